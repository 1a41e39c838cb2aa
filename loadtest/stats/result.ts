/** The JSON a run writes (`--json`): what `compare`, the report and the SLO gate read. */
import type { LatencySummary } from './histogram.js'

/** Client-side failures, counted apart from HTTP statuses: the request got no answer. */
export type FailureKind = 'reset' | 'refused' | 'timeout' | 'unsent' | 'other'

/**
 * How one request ended. `ok`: a status its step expects; `shed`: 429 or 503 (overload protection
 * saying "later", not an error); `error`: any other status; `failure`: no HTTP answer at all.
 */
export type Outcome = 'ok' | 'shed' | 'error' | 'failure'

export interface SecondSample {
  /** Seconds from the start. */
  t: number
  /** Arrivals the schedule asked for in this second. */
  offered: number
  /** Requests actually handed to a connection in this second. */
  sent: number
  /** Answers (or failures) in this second, by outcome. */
  completed: number
  ok: number
  /** `ok` answers the server marked as degraded: its last good answer, not a fresh one. */
  stale?: number
  shed: number
  errors: number
  failures: number
  /** `ok` answers within the SLO's latency objective. */
  goodput: number
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number }
  /** Latency of this second's completions, from their intended start (ms). */
  p50: number
  p95: number
  p99: number
  max: number
  /** The generator's own lateness: how late this second's arrivals were picked up (ms). */
  lateP99: number
  inFlight: number
  users: number
}

export interface StepResult {
  name: string
  ok: number
  shed: number
  errors: number
  failures: number
  latency: LatencySummary
  /**
   * Per shopper rather than per request: attempts at the step that ended, those whose last answer
   * was ok, and the requests sent again after a refusal. Without retries, one request is one
   * attempt. Absent in older results.
   */
  attempts?: { count: number; ok: number; retries: number }
}

export interface RunResult {
  tool: 'floodgate-loadtest'
  version: 1
  scenario: string
  target: string
  startedAt: string
  durationSec: number
  options: Record<string, unknown>
  /** Every request the schedule offered, and how each ended. */
  totals: {
    offered: number
    sent: number
    completed: number
    ok: number
    /** `ok` answers the server marked as degraded (`Floodgate-Stale`); absent in older results. */
    stale?: number
    shed: number
    errors: number
    failures: number
    goodput: number
    /** Of `sent`: requests sent again after a refusal, which no arrival asked for; absent in older results. */
    retries?: number
    /** Requests per second over the scheduled duration. */
    offeredRps: number
    completedRps: number
    goodputRps: number
    errorRate: number
    shedRate: number
    /** stale / completed; absent in older results. */
    staleRate?: number
  }
  goodputObjectiveMs: number
  latency: LatencySummary
  /** Served answers (p95 of admitted requests) and refusals (time to reject), apart. */
  latencyByOutcome?: { ok: LatencySummary; shed: LatencySummary }
  /** Arrival picked up by the generator later than intended: a high value means the tool, not the server, was slow. */
  sendLateness: LatencySummary
  /** Waiting for a free virtual user or connection, included in `latency`. */
  queueWait: LatencySummary
  status: Record<string, number>
  failures: Record<FailureKind, number>
  steps: StepResult[]
  timeline: SecondSample[]
  slo?: SloReport
}

export interface SloCheck {
  objective: string
  metric: string
  limit: number
  actual: number
  unit: string
  pass: boolean
}

export interface SloReport {
  spec: string
  pass: boolean
  checks: SloCheck[]
}
