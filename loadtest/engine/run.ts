/**
 * The open-model engine. Arrivals come from the schedule, never from the server: each is taken by
 * a free virtual user as soon as there is one, and its latency runs from the intended start. A tick
 * that falls behind the schedule shows up as send lateness (the generator's fault), a wait for a
 * user or connection as queue wait (the server's), both inside the latency.
 */
import { type BusyRetryPolicy, busyDelayMs, retryAfterMs } from '../../web/src/busy-retry.js'
import type { MonotonicClock } from '../clock.js'
import type { Answer, OutgoingRequest, Transport } from '../http/index.js'
import type { Journey, ScenarioData, Step, StepContext, VirtualUser } from '../journeys/index.js'
import {
  type ArrivalProcess,
  createArrivals,
  profileAt,
  type Stage,
  totalDurationSec,
} from '../scheduler/index.js'
import type { Outcome, Recorder, SecondSample } from '../stats/index.js'
import { MinHeap, Queue } from './queue.js'
import { type Actor, UserPool } from './user-pool.js'

export interface LiveSample {
  elapsedSec: number
  totalSec: number
  /** The second that just ended. */
  last: SecondSample
  inFlight: number
  waiting: number
  users: number
}

export interface EngineOptions {
  stages: readonly Stage[]
  journeys: readonly Journey[]
  users: readonly VirtualUser[]
  data: ScenarioData
  transport: Transport
  recorder: Recorder
  clock: MonotonicClock
  /** Think time between a user's requests, uniform in [min, max] ms. */
  thinkMs: readonly [number, number]
  /** Most requests in flight at once (the connection pool's size); stages may ramp below it. */
  connections: number
  /** After the last arrival: how long to wait for answers still owed. */
  drainMs: number
  /** Evenly spaced (default) or Poisson arrivals around the schedule. */
  arrivals?: ArrivalProcess
  random?: () => number
  onSecond?: (live: LiveSample) => void
  /**
   * Stamp each request `X-Request-Start: t=<epoch ms>` as it is sent, as a load balancer in front of
   * the server would (the server believes it only from a proxy it trusts).
   */
  stampRequestStart?: boolean
  /**
   * Shoppers answered 429 or 503 come back as the storefront makes them (web/src/busy-retry.ts):
   * the same request, Idempotency-Key included, after `Retry-After` plus jitter, up to
   * `maxAttempts` in all. Each retry is a request of its own in every count; the step's outcome
   * for the shopper is its last answer (`StepResult.attempts`). Off: a refused step ends its journey.
   */
  retryBusy?: BusyRetryPolicy
}

interface Arrival {
  intended: number
  picked: number
}

const SHED = new Set([429, 503])

export function runEngine(opts: EngineOptions): Promise<void> {
  const random = opts.random ?? Math.random
  const { clock, recorder, transport } = opts
  const totalMs = totalDurationSec(opts.stages) * 1000
  const pool = new UserPool(opts.users, opts.thinkMs, random)
  const arrivals = createArrivals(opts.stages, opts.arrivals ?? 'uniform', random)
  const waiting = new Queue<Arrival>()
  const weights = opts.journeys.reduce((sum, j) => sum + j.weight, 0)
  const runId = Math.floor(random() * 36 ** 6).toString(36)
  let sequence = 0
  let next = arrivals.next()
  let second = 0
  let finished = false
  let connections = opts.connections
  const retryBusy = opts.retryBusy
  /** Shoppers waiting out a Retry-After, by when they resend; then those due, waiting for a connection. */
  const retries = new MinHeap<Actor>()
  const dueRetries = new Queue<{ due: number; actor: Actor }>()
  const giveUp = (actor: Actor) => {
    if (actor.retry) recorder.attempted(actor.retry.step, 'shed', actor.retry.attempt - 1)
    actor.retry = undefined
  }
  const start = clock.now()
  const now = () => clock.now() - start

  const pickJourney = (): Journey => {
    let x = random() * weights
    for (const journey of opts.journeys) {
      x -= journey.weight
      if (x < 0) return journey
    }
    return opts.journeys[opts.journeys.length - 1]!
  }

  return new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      if (finished) return
      finished = true
      reject(error)
    }

    const send = (actor: Actor, arrival: Arrival, at: number) => {
      if (!actor.journey) {
        actor.journey = pickJourney()
        actor.step = 0
        actor.state = {}
      }
      const journey = actor.journey
      const step = journey.steps[actor.step]!
      const ctx: StepContext = { user: actor.user, data: opts.data, state: actor.state, random }
      const retry = actor.retry
      actor.retry = undefined
      const out = retry ? again(retry.request) : build(step, ctx, actor)
      transmit(actor, journey, step, ctx, out, retry?.attempt ?? 1, arrival, at)
    }

    /** The step's request, first time round. */
    const build = (step: Step, ctx: StepContext, actor: Actor): OutgoingRequest => {
      const request = step.request(ctx)
      const headers: Record<string, string> = {}
      if (!request.anonymous) headers['authorization'] = actor.user.authorization
      let body: string | undefined
      if (request.body !== undefined) {
        body = JSON.stringify(request.body)
        headers['content-type'] = 'application/json'
      }
      if (request.idempotent) headers['idempotency-key'] = `lt-${runId}-${++sequence}`
      if (opts.stampRequestStart) headers['x-request-start'] = `t=${Date.now()}`
      return {
        method: request.method,
        path: request.path,
        headers,
        ...(body !== undefined ? { body } : {}),
        wantBody: step.read !== undefined,
      }
    }

    /** The same request again, as the storefront resends it: only a balancer's stamp is new. */
    const again = (out: OutgoingRequest): OutgoingRequest =>
      opts.stampRequestStart
        ? { ...out, headers: { ...out.headers, 'x-request-start': `t=${Date.now()}` } }
        : out

    const transmit = (
      actor: Actor,
      journey: Journey,
      step: Step,
      ctx: StepContext,
      out: OutgoingRequest,
      attempt: number,
      arrival: Arrival,
      at: number,
    ) => {
      const settle = (answer: Answer) => {
        const end = now()
        let outcome: Outcome
        if (answer.kind === 'failure') outcome = 'failure'
        else if (SHED.has(answer.status)) outcome = 'shed'
        else if (
          step.expect ? step.expect.includes(answer.status) : answer.status >= 200 && answer.status < 300
        )
          outcome = 'ok'
        else outcome = 'error'
        const name = `${journey.name}.${step.name}`
        if (answer.kind === 'failure')
          recorder.completed(name, arrival.intended, end, outcome, undefined, answer.failure)
        else recorder.completed(name, arrival.intended, end, outcome, answer.status, undefined, answer.stale)
        if (
          outcome === 'shed' &&
          retryBusy &&
          attempt < retryBusy.maxAttempts &&
          answer.kind === 'response'
        ) {
          // The shopper's browser waits as the server asked, holding no connection, then resends.
          const delay = busyDelayMs(
            retryAfterMs(answer.retryAfter ?? null, Date.now()),
            attempt,
            random,
            retryBusy,
          )
          actor.retry = { request: out, attempt: attempt + 1, step: name }
          pool.hold(actor)
          retries.push(end + delay, actor)
          if (!finished) dispatch(end)
          return
        }
        recorder.attempted(name, outcome, attempt)
        if (outcome === 'ok' && step.read && answer.kind === 'response' && answer.body) {
          try {
            step.read(JSON.parse(answer.body), ctx)
          } catch {
            // An answer we cannot read only ends this journey early; it was already counted.
            actor.journey = undefined
          }
        }
        // A failed step ends the journey: its later steps need what this one did not produce.
        if (outcome === 'ok' && actor.journey && actor.step + 1 < journey.steps.length) actor.step++
        else actor.journey = undefined
        pool.release(actor, end)
        if (!finished) dispatch(end)
      }

      recorder.sent(arrival.picked, at, attempt > 1)
      transport.send(out, (answer: Answer) => {
        try {
          settle(answer)
        } catch (error) {
          // A scenario's step that throws (missing data, a bug in a custom journey) stops the run.
          fail(error)
        }
      })
    }

    const dispatch = (at: number) => {
      // Retries that are due go first: their shoppers have waited already.
      while (dueRetries.length > 0 && pool.inFlight < connections) {
        const retry = dueRetries.shift()!
        pool.resume()
        send(retry.actor, { intended: retry.due, picked: retry.due }, at)
      }
      while (waiting.length > 0 && pool.inFlight < connections) {
        const actor = pool.take()
        if (!actor) return
        send(actor, waiting.shift()!, at)
      }
    }

    const finish = () => {
      finished = true
      resolve()
    }

    const tick = () => {
      if (finished) return
      try {
        const t = now()
        const point = profileAt(opts.stages, t / 1000)
        pool.setTarget(point.users)
        connections = Math.min(opts.connections, point.connections)
        pool.wake(t)
        for (let due = retries.peekKey(); due !== undefined && due <= t; due = retries.peekKey())
          dueRetries.push({ due, actor: retries.pop()! })
        while (next !== undefined && next <= t) {
          recorder.offered(next, t)
          waiting.push({ intended: next, picked: t })
          next = arrivals.next()
        }
        dispatch(t)
        const s = Math.floor(t / 1000)
        if (s > second) {
          recorder.roll(s)
          recorder.gauge(second, pool.inFlight, pool.active)
          opts.onSecond?.({
            elapsedSec: s,
            totalSec: totalMs / 1000,
            last: recorder.at(second),
            inFlight: pool.inFlight,
            waiting: waiting.length,
            users: pool.active,
          })
          second = s
        }
        const retrying = retries.length + dueRetries.length
        if (next === undefined) {
          if (waiting.length === 0 && pool.inFlight === 0 && retrying === 0) return finish()
          if (t > totalMs + opts.drainMs) {
            // Arrivals that never found a user or connection: the customer gave up on us.
            for (let a = waiting.shift(); a; a = waiting.shift()) {
              recorder.completed('unsent', a.intended, t, 'failure', undefined, 'unsent')
            }
            // Shoppers still waiting to retry: their step ends refused, as their last answer was.
            for (let r = dueRetries.shift(); r; r = dueRetries.shift()) giveUp(r.actor)
            for (let a = retries.pop(); a; a = retries.pop()) giveUp(a)
            return finish()
          }
        }
        // Behind or about to be due: yield to I/O once and come straight back. Otherwise sleep
        // until the next arrival or retry (timers fire up to ~1 ms late, which send lateness records).
        const soonest = Math.min(
          next ?? Number.POSITIVE_INFINITY,
          retries.peekKey() ?? Number.POSITIVE_INFINITY,
        )
        const wait = soonest === Number.POSITIVE_INFINITY ? 5 : soonest - now()
        if (wait < 1) setImmediate(tick)
        else setTimeout(tick, Math.min(wait, 50))
      } catch (error) {
        fail(error)
      }
    }
    tick()
  })
}
