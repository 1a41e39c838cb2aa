/**
 * Admission by concurrency: a request starts when the adaptive limit and its class's share allow,
 * otherwise it waits in a bounded queue, or is refused at once when waiting cannot help.
 *
 * The queue is adaptive LIFO with CoDel-style timeouts ("Fail at Scale",
 * https://queue.acm.org/detail.cfm?id=2839461; CoDel, https://queue.acm.org/detail.cfm?id=2209336):
 * while it drains (it was empty within the last `intervalMs`) it is FIFO and critical and important
 * requests may wait up to `queueTimeoutMs`, sheddable ones (browsing) only `queueTargetMs`. Once it
 * stands longer than that it is an overload, not a burst: it turns LIFO (the newest request's
 * client is the one still waiting), sheddable requests are refused instead of queued, important
 * ones wait at most `queueTargetMs`, and are refused at once while checkout waits (freed slots go
 * to checkout first).
 *
 * Critical requests (checkout) stay FIFO and may wait up to `criticalTimeoutMs` (their deadline),
 * but a newcomer that would wait longer than `criticalWaitMs` (one interval) is refused at once: its
 * expected wait is the queue ahead of it times the measured time between checkouts leaving the
 * queue, and a queue nothing has left for that long is stalled. So checkout's queue holds what the
 * server can start within that time; the checkouts the database can take still start, the others
 * learn it in microseconds instead of at their deadline. Every request also carries a deadline; one
 * that passed is dropped before it starts.
 */
import type { AdmissionListener, RejectReason } from './events.js'
import { Rejection } from './events.js'
import type { GradientLimit } from './gradient-limit.js'
import { classShare, type PriorityClass, priorityClasses } from './priority.js'

export interface ConcurrencyLimiterOptions {
  limit: GradientLimit
  now: () => number
  queueSize: number
  queueTimeoutMs: number
  queueTargetMs: number
  /**
   * How long critical requests (checkout) may wait, overload or not; default `queueTimeoutMs`.
   * Admission gives them their whole deadline: an order that waits a second beats a refused one.
   */
  criticalTimeoutMs?: number
  /** How long the queue may stand before it counts as an overload (CoDel's interval). */
  intervalMs?: number
  /**
   * The longest expected wait a critical request may join the queue for (default `intervalMs`);
   * past it, or while the queue has not moved for this long, it is refused at once. 0: never; a
   * critical request then waits until its timeout.
   */
  criticalWaitMs?: number
  /** Whether to refuse a sheddable request because the event loop is saturated. */
  brake?: () => boolean
  onEvent?: AdmissionListener
}

/** Proof of admission; give it back with `release` when the response is done. */
export interface Ticket {
  readonly priority: PriorityClass
  readonly startedAt: number
  released: boolean
}

/** One per reason, built once: creating an Error captures a stack, too dear for every refusal. */
const rejections = Object.fromEntries(
  (['queue_full', 'queue_timeout', 'deadline', 'event_loop', 'limit'] as const).map((r) => [
    r,
    new Rejection(r),
  ]),
) as Record<RejectReason, Rejection>

interface Waiter {
  priority: PriorityClass
  enqueuedAt: number
  deadline: number
  resolve(ticket: Ticket): void
  reject(error: Rejection): void
}

export class ConcurrencyLimiter {
  private active = 0
  private readonly queues: Record<PriorityClass, Waiter[]> = { critical: [], important: [], sheddable: [] }
  private waiting = 0
  /**
   * Time (ms) and starts from checkout's queue, both fading with age (time constant
   * `criticalWaitMs`): their ratio is the time per start, right for steady starts and for a batch
   * of orders that all start at one instant.
   */
  private checkoutTimeMs = 0
  private checkoutStarts = 0
  /** When checkout's queue last moved: it became non-empty, or a waiter started from it. */
  private checkoutMovedAt = 0
  /** When the queue was last empty (CoDel: a queue that never empties is standing). */
  private emptyAt: number
  private readonly intervalMs: number
  private readonly criticalWaitMs: number

  constructor(private readonly o: ConcurrencyLimiterOptions) {
    this.emptyAt = o.now()
    this.intervalMs = o.intervalMs ?? 100
    this.criticalWaitMs = o.criticalWaitMs ?? this.intervalMs
  }

  get inService(): number {
    return this.active
  }
  get queued(): number {
    return this.waiting
  }
  get limit(): number {
    return this.o.limit.limit
  }

  /** Whether the queue has stood for a whole interval (overload mode: LIFO, short timeouts). */
  overloaded(now = this.o.now()): boolean {
    return this.waiting > 0 && now - this.emptyAt > this.intervalMs
  }

  /**
   * Throws the `Rejection` (reason `limit`) that `acquire` would throw at once for a request that
   * cannot start, so callers can refuse it before dearer checks (a rate limit's Redis round trip).
   */
  precheck(priority: PriorityClass, now = this.o.now()): void {
    const refused = this.refusal(priority, now)
    if (refused) throw this.refuse(refused, priority)
  }

  /**
   * Why `acquire` would refuse a request of `priority` at once (`event_loop` or `limit`), or
   * `undefined` when it would start it or let it wait. Emits nothing: the caller reports a refusal
   * it acts on (`Admission.emit`), as the edge does for the catalog reads it answers itself.
   */
  refusal(priority: PriorityClass, now = this.o.now()): RejectReason | undefined {
    if (priority === 'sheddable' && this.o.brake?.()) return 'event_loop'
    if (this.canStart(priority)) return undefined
    this.o.limit.notePressure()
    return this.refusedAtOnce(priority, now) ? 'limit' : undefined
  }

  /**
   * Admits a request of `priority` that must start before `deadline`: a ticket now, a promise of
   * one after a wait, or a `Rejection` thrown at once.
   */
  acquire(priority: PriorityClass, deadline: number): Ticket | Promise<Ticket> {
    const now = this.o.now()
    this.expire(now)
    if (now >= deadline) throw this.refuse('deadline', priority)
    const refused = this.refusal(priority, now)
    if (refused) throw this.refuse(refused, priority)
    if (this.canStart(priority)) return this.start(priority, now, now)
    if (this.waiting >= this.o.queueSize && !this.evictBelow(priority))
      throw this.refuse('queue_full', priority)
    return new Promise<Ticket>((resolve, reject) => {
      if (this.waiting === 0) this.emptyAt = now
      if (priority === 'critical' && this.queues.critical.length === 0) this.checkoutMovedAt = now
      this.queues[priority].push({ priority, enqueuedAt: now, deadline, resolve, reject })
      this.waiting++
      // Something may have freed up, or a lower class may be holding the only queued slot.
      this.dispatch(now)
    })
  }

  /**
   * Returns the slot and feeds the latency of `route` to the limit (none for a route whose latency
   * is no congestion signal, e.g. batched work). Safe to call twice.
   */
  release(ticket: Ticket, route: string | undefined): void {
    if (ticket.released) return
    ticket.released = true
    this.active--
    const now = this.o.now()
    if (route !== undefined) this.o.limit.sample(now, route, now - ticket.startedAt)
    this.dispatch(now)
  }

  /** Refuses queued requests that waited too long or whose deadline passed (run on a timer too). */
  expire(now = this.o.now()): void {
    if (this.waiting === 0) return
    for (const priority of priorityClasses) {
      const queue = this.queues[priority]
      const timeout = this.timeout(priority, now)
      // The oldest are at the front; a deadline can pass anywhere, so those are checked on start.
      while (queue.length > 0 && now - queue[0]!.enqueuedAt >= timeout) {
        this.drop(queue.shift()!, 'queue_timeout')
      }
    }
    this.noteEmpty(now)
  }

  /** Whether a request of this class may start now: nobody of its class or above waits, and its share allows. */
  private canStart(priority: PriorityClass): boolean {
    return !this.queuedAtOrAbove(priority) && this.mayStart(priority)
  }

  /**
   * Whether a request that cannot start should be refused rather than queued. In an overload
   * browsing is, and so is every other write while checkout waits: freed slots go to checkout
   * first, so the write would wait out its timeout for a refusal. Checkout is when its own queue
   * is longer than it can start within `criticalWaitMs`.
   */
  private refusedAtOnce(priority: PriorityClass, now: number): boolean {
    if (priority === 'critical') return this.checkoutBacklogged(now)
    if (!this.overloaded(now)) return false
    return priority === 'sheddable' || this.queues.critical.length > 0
  }

  /**
   * Whether a newcomer to checkout's queue would wait more than `criticalWaitMs`: the queue ahead of
   * it times the time per start, or a queue that has not moved for that long. It would hold a
   * connection for a refusal at its deadline, or for an order that comes too late to matter.
   */
  private checkoutBacklogged(now: number): boolean {
    const ahead = this.queues.critical.length
    if (ahead === 0 || this.criticalWaitMs === 0) return false
    if (now - this.checkoutMovedAt >= this.criticalWaitMs) return true
    return (
      this.checkoutStarts > 0 && (ahead * this.checkoutTimeMs) / this.checkoutStarts >= this.criticalWaitMs
    )
  }

  /** A checkout starts from the queue: the time since it last moved, and one more start. */
  private checkoutStarted(now: number): void {
    if (this.criticalWaitMs === 0) return
    const elapsed = now - this.checkoutMovedAt
    const fade = Math.exp(-elapsed / this.criticalWaitMs)
    this.checkoutTimeMs = this.checkoutTimeMs * fade + elapsed
    this.checkoutStarts = this.checkoutStarts * fade + 1
    this.checkoutMovedAt = now
  }

  private timeout(priority: PriorityClass, now: number): number {
    // Browsing never waits long: its last good answer (stale.ts) or a quick 503 with Retry-After
    // serves a shopper better than a slow page, and its slot is what checkout borrows.
    if (priority === 'sheddable') return this.o.queueTargetMs
    if (priority === 'critical') return this.o.criticalTimeoutMs ?? this.o.queueTimeoutMs
    return this.overloaded(now) ? this.o.queueTargetMs : this.o.queueTimeoutMs
  }

  /** Whether anyone of this class or a higher one is waiting (they go first). */
  private queuedAtOrAbove(priority: PriorityClass): boolean {
    for (const p of priorityClasses) {
      if (this.queues[p].length > 0) return true
      if (p === priority) return false
    }
    return false
  }

  private mayStart(priority: PriorityClass): boolean {
    return this.active < Math.max(1, Math.floor(this.o.limit.limit * classShare[priority]))
  }

  private start(priority: PriorityClass, now: number, arrived: number): Ticket {
    this.active++
    this.o.limit.started(this.active)
    this.o.onEvent?.({ type: 'admitted', priority, waitedMs: now - arrived })
    return { priority, startedAt: now, released: false }
  }

  /** Starts queued requests, highest class first, while the limit allows. */
  private dispatch(now: number): void {
    this.expire(now)
    const lifo = this.overloaded(now)
    for (const priority of priorityClasses) {
      const queue = this.queues[priority]
      // Checkout stays FIFO: its queue is kept within `criticalWaitMs` (checkoutBacklogged), so
      // its oldest clients are still waiting, and its starts measure how fast it moves.
      while (queue.length > 0 && this.mayStart(priority)) {
        const waiter = (lifo && priority !== 'critical' ? queue.pop() : queue.shift())!
        this.waiting--
        if (now >= waiter.deadline) {
          this.reject(waiter, 'deadline')
          continue
        }
        if (priority === 'critical') this.checkoutStarted(now)
        waiter.resolve(this.start(priority, now, waiter.enqueuedAt))
      }
      // A class that cannot start leaves no room for the classes below it either.
      if (queue.length > 0) break
    }
    this.noteEmpty(now)
  }

  /** A full queue makes room for a higher class by refusing the oldest of the lowest class below it. */
  private evictBelow(priority: PriorityClass): boolean {
    for (const lower of [...priorityClasses].reverse()) {
      if (lower === priority) return false
      const victim = this.queues[lower].shift()
      if (victim) {
        this.drop(victim, 'queue_full')
        return true
      }
    }
    return false
  }

  private drop(waiter: Waiter, reason: RejectReason): void {
    this.waiting--
    this.reject(waiter, reason)
  }

  private reject(waiter: Waiter, reason: RejectReason): void {
    waiter.reject(this.refuse(reason, waiter.priority))
  }

  private refuse(reason: RejectReason, priority: PriorityClass): Rejection {
    this.o.onEvent?.({ type: 'rejected', reason, priority })
    return rejections[reason]
  }

  private noteEmpty(now: number): void {
    if (this.waiting === 0) this.emptyAt = now
  }
}
