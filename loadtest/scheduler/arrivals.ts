/**
 * Intended send times of an open model. The k-th request is due when the integral of the rate
 * schedule reaches k, so arrivals follow the schedule exactly (a linear ramp integrates to a
 * quadratic) and never wait for the server: that is what keeps queueing visible.
 *
 * `poisson` spaces the targets by exponential steps of mean 1 instead of 1 (time rescaling of a
 * Poisson process), so the same schedule arrives in the random bursts independent customers make.
 */
import type { Ramp, Stage } from './stages.js'

export interface Arrivals {
  /** The next intended send time in ms from the start, or undefined once the profile is over. */
  next(): number | undefined
}

const ramp = (value: Ramp | number): Ramp => (typeof value === 'number' ? { from: value, to: value } : value)

/** Seconds into a stage at which `count` arrivals have accumulated, or undefined if it never does. */
function timeForCount(r0: number, r1: number, d: number, count: number): number | undefined {
  const a = (r1 - r0) / (2 * d)
  let tau: number
  if (Math.abs(a) < 1e-12) {
    if (r0 <= 0) return undefined
    tau = count / r0
  } else {
    const disc = r0 * r0 + 4 * a * count
    if (disc < 0) return undefined
    tau = (-r0 + Math.sqrt(disc)) / (2 * a)
  }
  return tau >= 0 && tau <= d ? tau : undefined
}

export type ArrivalProcess = 'uniform' | 'poisson'

export function createArrivals(
  stages: readonly Stage[],
  process: ArrivalProcess = 'uniform',
  random: () => number = Math.random,
): Arrivals {
  const step = process === 'uniform' ? () => 1 : () => -Math.log(1 - random())
  let stage = 0
  let stageStart = 0
  // Arrivals owed before the current stage started (fractional: carried across stages).
  let countAtStageStart = 0
  let k = step()
  return {
    next() {
      while (stage < stages.length) {
        const s = stages[stage]!
        const r = ramp(s.rate)
        const tau = timeForCount(r.from, r.to, s.durationSec, k - countAtStageStart)
        if (tau !== undefined) {
          k += step()
          return (stageStart + tau) * 1000
        }
        countAtStageStart += ((r.from + r.to) / 2) * s.durationSec
        stageStart += s.durationSec
        stage++
      }
      return undefined
    },
  }
}
