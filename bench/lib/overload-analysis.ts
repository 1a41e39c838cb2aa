/**
 * What the overload proof reads out of load-test results: plateau averages, checkout success,
 * recovery time after the spike. Pure functions over `RunResult`s, so they are tested apart from
 * the (long, noisy) runs that produce them.
 */
import type { RunResult, SecondSample, StepResult } from '../../loadtest/index.js'

/** Seconds `[from, to)` of a run, e.g. a stage's plateau. */
export interface Window {
  from: number
  to: number
}

/** The timeline's seconds inside the window (a second is labelled by its start). */
export const secondsIn = (result: RunResult, w: Window): SecondSample[] =>
  result.timeline.filter((s) => s.t >= w.from && s.t < w.to)

/** Per-second average of one counter over a window. */
export function perSecond(
  result: RunResult,
  w: Window,
  key: 'goodput' | 'ok' | 'stale' | 'sent' | 'completed' | 'shed',
) {
  const seconds = secondsIn(result, w)
  if (seconds.length === 0) return 0
  return seconds.reduce((sum, s) => sum + (s[key] ?? 0), 0) / seconds.length
}

/** Steps that are checkout: placing an order (either payment), paying for it, cancelling it. */
export const isCheckout = (step: Pick<StepResult, 'name'>): boolean =>
  /\.(order|order-later|pay|cancel)$/.test(step.name)

/** Steps the shop sheds first under pressure: catalog, product detail, top products. */
export const isBrowsing = (step: Pick<StepResult, 'name'>): boolean =>
  /\.(list|detail|top|view)$/.test(step.name)

export interface Tally {
  attempts: number
  ok: number
  shed: number
  errors: number
  failures: number
  /** ok / attempts (1 when there were none). */
  success: number
}

export function tally(result: RunResult, which: (step: StepResult) => boolean): Tally {
  const t = { attempts: 0, ok: 0, shed: 0, errors: 0, failures: 0 }
  for (const step of result.steps.filter(which)) {
    t.ok += step.ok
    t.shed += step.shed
    t.errors += step.errors
    t.failures += step.failures
  }
  t.attempts = t.ok + t.shed + t.errors + t.failures
  return { ...t, success: t.attempts === 0 ? 1 : t.ok / t.attempts }
}

/** Shoppers' attempts rather than requests: each ends with its last answer, after any resends. */
export interface ShopperTally {
  attempts: number
  ok: number
  /** Requests sent again after a refusal. */
  retries: number
  /** ok / attempts (1 when there were none). */
  success: number
}

/**
 * Per shopper: a step refused and then resent (the storefront's retry) is one attempt, a success
 * if any of its requests was. Results written before attempts were counted have one per request.
 */
export function shopperTally(result: RunResult, which: (step: StepResult) => boolean): ShopperTally {
  const t = { attempts: 0, ok: 0, retries: 0 }
  for (const step of result.steps.filter(which)) {
    const a = step.attempts ?? {
      count: step.ok + step.shed + step.errors + step.failures,
      ok: step.ok,
      retries: 0,
    }
    t.attempts += a.count
    t.ok += a.ok
    t.retries += a.retries
  }
  return { ...t, success: t.attempts === 0 ? 1 : t.ok / t.attempts }
}

/** Connection-level failures a client sees as errors: resets, refused connections, timeouts. */
export const connectionErrors = (result: RunResult): number =>
  result.failures.reset + result.failures.refused + result.failures.timeout

export interface Recovery {
  /** The pre-spike level: the worst per-second p95 of the baseline window. */
  baselineP95: number
  /** Seconds after the spike ended until p95 stayed at or under the baseline; undefined: never. */
  seconds: number | undefined
}

/**
 * How long after `spikeEnd` the per-second p95 took to come back to where it was before the spike
 * and stay there for `hold` seconds. The baseline is the worst second of the baseline window: the
 * range p95 moves in at that load on this machine, so one noisy second does not count as "not
 * recovered".
 */
export function recovery(result: RunResult, baseline: Window, spikeEnd: number, hold = 3): Recovery {
  const base = secondsIn(result, baseline).filter((s) => s.completed > 0)
  const baselineP95 = base.length === 0 ? 0 : Math.max(...base.map((s) => s.p95))
  const after = result.timeline.filter((s) => s.t >= spikeEnd)
  for (let i = 0; i + hold <= after.length; i++) {
    const run = after.slice(i, i + hold)
    if (run.every((s) => s.completed === 0 || s.p95 <= baselineP95)) {
      return { baselineP95, seconds: after[i]!.t - spikeEnd }
    }
  }
  return { baselineP95, seconds: undefined }
}
