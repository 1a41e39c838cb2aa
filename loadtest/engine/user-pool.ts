/**
 * The virtual users. A user carries at most one request at a time and thinks between requests.
 * An arrival goes to a ready user in the middle of a journey first (so a journey's next step
 * follows its think time, as a person's next click does), else to the user ready longest. When the schedule lowers the user
 * count, users leave as they finish a request or a think, never while ready: parking ready users
 * would leave arrivals waiting for thinkers, a wait the tool made up and would blame on the server.
 */
import type { OutgoingRequest } from '../http/index.js'
import type { Journey, JourneyState, VirtualUser } from '../journeys/index.js'
import { MinHeap, Queue } from './queue.js'

export interface Actor {
  user: VirtualUser
  journey: Journey | undefined
  step: number
  state: JourneyState
  /** The refused request this user will send again (`EngineOptions.retryBusy`), and as which attempt. */
  retry?: { request: OutgoingRequest; attempt: number; step: string }
}

export class UserPool {
  private readonly ready = new Queue<Actor>()
  /** Ready users in the middle of a journey. */
  private readonly continuing = new Queue<Actor>()
  private readonly thinking = new MinHeap<Actor>()
  private readonly parked: Actor[] = []
  private created = 0
  private target = 0
  private busy = 0
  /** Users waiting to resend a refused request (`hold`): in play, but taking no arrivals. */
  private held = 0
  /** Stand-ins made for held users (`hold`), beyond the users created from the list. */
  private spawned = 0

  constructor(
    private readonly users: readonly VirtualUser[],
    private readonly thinkMs: readonly [number, number],
    private readonly random: () => number,
  ) {}

  /** Users currently in play and able to take arrivals (ready, thinking or busy; not held). */
  get active(): number {
    return this.created + this.spawned - this.parked.length - this.held
  }

  get inFlight(): number {
    return this.busy
  }

  setTarget(n: number): void {
    this.target = Math.min(n, this.users.length)
    while (this.active < this.target) {
      const actor =
        this.parked.pop() ??
        ({ user: this.users[this.created++]!, journey: undefined, step: 0, state: {} } satisfies Actor)
      this.makeReady(actor)
    }
  }

  /** The longest-ready user, now busy; undefined when every user is busy or thinking. */
  take(): Actor | undefined {
    const actor = this.continuing.shift() ?? this.ready.shift()
    if (actor) this.busy++
    return actor
  }

  /** The user's request ended at `nowMs`; it thinks, then is ready again. */
  release(actor: Actor, nowMs: number): void {
    this.busy--
    if (this.active > this.target) {
      this.parked.push(actor)
      return
    }
    const [min, max] = this.thinkMs
    const think = min + (max - min) * this.random()
    if (think <= 0) this.makeReady(actor)
    else this.thinking.push(nowMs + think, actor)
  }

  /**
   * The user's request was refused and it waits to resend it: no longer in flight, and taking no
   * arrivals. A stand-in takes its place, so the schedule's arrivals still find the users the stage
   * asked for and a resend is load on top of the schedule, as a real shopper's retry is. The
   * stand-in shares the held user's identity (a second tab) when no parked user is left.
   */
  hold(actor: Actor): void {
    this.busy--
    this.held++
    let standIn = this.parked.pop()
    if (!standIn) {
      standIn = { user: actor.user, journey: undefined, step: 0, state: {} }
      this.spawned++
    }
    this.makeReady(standIn)
  }

  /** A held user sends again; the pool is one over its target until someone finishes a request. */
  resume(): void {
    this.busy++
    this.held--
  }

  /** Users whose think time is over at `nowMs` become ready. */
  wake(nowMs: number): void {
    for (;;) {
      const key = this.thinking.peekKey()
      if (key === undefined || key > nowMs) return
      const actor = this.thinking.pop()!
      if (this.active > this.target) this.parked.push(actor)
      else this.makeReady(actor)
    }
  }

  private makeReady(actor: Actor): void {
    if (actor.journey) this.continuing.push(actor)
    else this.ready.push(actor)
  }
}
