/**
 * Service level objectives as a short string, e.g. `p95<300ms,errors<1%,shed<5%`.
 *
 * - latency: `p50` `p90` `p95` `p99` `p99.9` `max` `mean` with `ms` or `s` (overall, from intended start)
 * - `errors` / `shed`: percent of answered requests (errors include client-side failures)
 * - `stale`: percent of answered requests the server answered with its last good answer
 *   (`Floodgate-Stale`): degraded service, counted as OK by every other objective
 * - `goodput`: `goodput>400/s` (req/s answered OK within the latency objective) or `goodput>95%` (of offered)
 * - `lateness`: the generator's own send lateness p99 (`lateness<5ms`): guards the measurement itself
 * Operators: `<` `<=` `>` `>=`.
 */
import type { RunResult, SloCheck, SloReport } from './stats/index.js'

export interface Objective {
  text: string
  metric: string
  op: '<' | '<=' | '>' | '>='
  limit: number
  unit: 'ms' | '%' | '/s'
}

const LATENCY = /^(p50|p90|p95|p99|p99\.9|max|mean)$/
const TERM = /^([a-z][a-z0-9.]*)\s*(<=|>=|<|>)\s*([\d.]+)\s*(ms|s|%|\/s)?$/

export function parseSlo(spec: string): Objective[] {
  const objectives = spec
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((text): Objective => {
      const m = TERM.exec(text)
      if (!m) throw new Error(`SLO "${text}": expected like p95<300ms, errors<1%, goodput>400/s`)
      const [, metric, op, raw, unit] = m as unknown as [
        string,
        string,
        Objective['op'],
        string,
        string | undefined,
      ]
      const value = Number(raw)
      if (!Number.isFinite(value)) throw new Error(`SLO "${text}": ${raw} is not a number`)
      if (LATENCY.test(metric) || metric === 'lateness') {
        if (unit !== 'ms' && unit !== 's') throw new Error(`SLO "${text}": latency needs ms or s`)
        return { text, metric, op, limit: unit === 's' ? value * 1000 : value, unit: 'ms' }
      }
      if (metric === 'errors' || metric === 'shed' || metric === 'stale') {
        if (unit !== '%') throw new Error(`SLO "${text}": ${metric} is a percentage, like ${metric}<1%`)
        return { text, metric, op, limit: value, unit: '%' }
      }
      if (metric === 'goodput') {
        if (unit !== '%' && unit !== '/s')
          throw new Error(`SLO "${text}": goodput is req/s (/s) or % of offered`)
        return { text, metric, op, limit: value, unit }
      }
      throw new Error(`SLO "${text}": unknown metric ${metric}`)
    })
  if (objectives.length === 0) throw new Error('empty SLO')
  return objectives
}

/** The latency that makes an OK answer count as goodput: the tightest latency objective. */
export function goodputObjectiveMs(objectives: readonly Objective[], fallback = 1000): number {
  const limits = objectives.filter((o) => LATENCY.test(o.metric) && o.op.startsWith('<')).map((o) => o.limit)
  return limits.length > 0 ? Math.min(...limits) : fallback
}

function actual(result: RunResult, o: Objective): number {
  if (o.metric === 'lateness') return result.sendLateness.p99
  if (LATENCY.test(o.metric)) {
    const key = o.metric === 'p99.9' ? 'p999' : (o.metric as 'p50' | 'p90' | 'p95' | 'p99' | 'max' | 'mean')
    return result.latency[key]
  }
  const t = result.totals
  if (o.metric === 'errors') return t.errorRate * 100
  if (o.metric === 'shed') return t.shedRate * 100
  if (o.metric === 'stale') return (t.staleRate ?? 0) * 100
  // goodput
  return o.unit === '/s' ? t.goodputRps : t.offered === 0 ? 0 : (t.goodput / t.offered) * 100
}

const holds = (value: number, o: Objective) =>
  o.op === '<'
    ? value < o.limit
    : o.op === '<='
      ? value <= o.limit
      : o.op === '>'
        ? value > o.limit
        : value >= o.limit

export function evaluateSlo(result: RunResult, spec: string): SloReport {
  const checks: SloCheck[] = parseSlo(spec).map((o) => {
    const value = Math.round(actual(result, o) * 1000) / 1000
    return {
      objective: o.text,
      metric: o.metric,
      limit: o.limit,
      actual: value,
      unit: o.unit,
      pass: holds(value, o),
    }
  })
  return { spec, pass: checks.every((c) => c.pass), checks }
}
