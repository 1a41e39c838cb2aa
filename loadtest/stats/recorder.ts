/**
 * Accounting for one run. Every time is milliseconds from the run's start, taken by the engine from
 * its injected clock, so the recorder itself never reads a clock and tests can replay any history.
 *
 * Latency is counted from a request's *intended* start (its arrival in the schedule), not from when
 * it was sent: time spent waiting for a free user or connection because the server is slow is part
 * of what a customer would have waited (no coordinated omission).
 */
import { LatencyHistogram } from './histogram.js'
import type { FailureKind, Outcome, RunResult, SecondSample, StepResult } from './result.js'

interface StepStats {
  ok: number
  shed: number
  errors: number
  failures: number
  latency: LatencyHistogram
  /** Shoppers' attempts at the step that ended, those whose last answer was ok, and their resends. */
  attempts: number
  attemptsOk: number
  retries: number
}

const emptySample = (t: number): SecondSample => ({
  t,
  offered: 0,
  sent: 0,
  completed: 0,
  ok: 0,
  stale: 0,
  shed: 0,
  errors: 0,
  failures: 0,
  goodput: 0,
  status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
  p50: 0,
  p95: 0,
  p99: 0,
  max: 0,
  lateP99: 0,
  inFlight: 0,
  users: 0,
})

/** A histogram for "the current second" that is folded into its sample when the second is over. */
class PerSecond {
  private second = 0
  readonly h = new LatencyHistogram()
  constructor(private readonly fold: (second: number, h: LatencyHistogram) => void) {}
  record(second: number, ms: number): void {
    if (second !== this.second) this.flush(second)
    this.h.recordMs(ms)
  }
  /** Second `next` has begun: the current one is final. */
  roll(next: number): void {
    if (next > this.second) this.flush(next)
  }
  flush(next: number): void {
    if (this.h.count > 0) this.fold(this.second, this.h)
    this.h.reset()
    this.second = next
  }
}

export class Recorder {
  readonly latency = new LatencyHistogram()
  readonly sendLateness = new LatencyHistogram()
  readonly queueWait = new LatencyHistogram()
  /** Answers the server served, and answers it refused (429/503), apart: overload protection is judged on both. */
  readonly okLatency = new LatencyHistogram()
  readonly shedLatency = new LatencyHistogram()
  readonly timeline: SecondSample[] = []
  readonly status = new Map<number, number>()
  readonly failureKinds: Record<FailureKind, number> = {
    reset: 0,
    refused: 0,
    timeout: 0,
    unsent: 0,
    other: 0,
  }
  private readonly steps = new Map<string, StepStats>()
  totals = {
    offered: 0,
    sent: 0,
    completed: 0,
    ok: 0,
    stale: 0,
    shed: 0,
    errors: 0,
    failures: 0,
    goodput: 0,
    /** Of `sent`: requests a shopper sent again after a refusal (`EngineOptions.retryBusy`). */
    retries: 0,
  }

  private readonly secondLatency = new PerSecond((s, h) => {
    const sample = this.at(s)
    sample.p50 = h.percentile(50)
    sample.p95 = h.percentile(95)
    sample.p99 = h.percentile(99)
    sample.max = h.percentile(100)
  })
  private readonly secondLateness = new PerSecond((s, h) => {
    this.at(s).lateP99 = h.percentile(99)
  })

  constructor(readonly goodputObjectiveMs: number) {}

  /** The sample for second `s`, created (with any gap before it) on first use. */
  at(s: number): SecondSample {
    while (this.timeline.length <= s) this.timeline.push(emptySample(this.timeline.length))
    return this.timeline[s]!
  }

  /** The scheduler picked up an arrival intended at `intendedMs` at `pickedMs`. */
  offered(intendedMs: number, pickedMs: number): void {
    this.totals.offered++
    this.at(Math.floor(intendedMs / 1000)).offered++
    const late = Math.max(0, pickedMs - intendedMs)
    this.sendLateness.recordMs(late)
    this.secondLateness.record(Math.floor(pickedMs / 1000), late)
  }

  /**
   * The request left for the server at `sentMs` after waiting since `pickedMs` for a user or
   * connection; `retry`: a shopper sending a refused request again, which no arrival asked for.
   */
  sent(pickedMs: number, sentMs: number, retry = false): void {
    this.totals.sent++
    if (retry) this.totals.retries++
    this.at(Math.floor(sentMs / 1000)).sent++
    this.queueWait.recordMs(Math.max(0, sentMs - pickedMs))
  }

  /**
   * A request ended at `endMs` (an answer, a failure, or never sent); `stale`: an `ok` answer the
   * server marked as degraded.
   */
  completed(
    step: string,
    intendedMs: number,
    endMs: number,
    outcome: Outcome,
    status?: number,
    failure?: FailureKind,
    stale = false,
  ): void {
    const ms = Math.max(0, endMs - intendedMs)
    const second = Math.floor(endMs / 1000)
    const sample = this.at(second)
    const stats = this.stepStats(step)
    this.totals.completed++
    sample.completed++
    this.latency.recordMs(ms)
    stats.latency.recordMs(ms)
    this.secondLatency.record(second, ms)
    if (status !== undefined) {
      this.status.set(status, (this.status.get(status) ?? 0) + 1)
      const cls = `${Math.min(5, Math.max(2, Math.floor(status / 100)))}xx` as keyof SecondSample['status']
      sample.status[cls]++
    }
    switch (outcome) {
      case 'ok':
        this.okLatency.recordMs(ms)
        this.totals.ok++
        sample.ok++
        stats.ok++
        if (stale) {
          this.totals.stale++
          sample.stale = (sample.stale ?? 0) + 1
        }
        if (ms <= this.goodputObjectiveMs) {
          this.totals.goodput++
          sample.goodput++
        }
        break
      case 'shed':
        this.shedLatency.recordMs(ms)
        this.totals.shed++
        sample.shed++
        stats.shed++
        break
      case 'error':
        this.totals.errors++
        sample.errors++
        stats.errors++
        break
      case 'failure':
        this.totals.failures++
        sample.failures++
        stats.failures++
        this.failureKinds[failure ?? 'other']++
        break
    }
  }

  /**
   * A shopper's attempt at `step` ended with `outcome`, its last answer, after `requests` requests
   * (more than one when refusals were retried). Every request was counted by `completed` already.
   */
  attempted(step: string, outcome: Outcome, requests: number): void {
    const stats = this.stepStats(step)
    stats.attempts++
    if (outcome === 'ok') stats.attemptsOk++
    stats.retries += requests - 1
  }

  /** Gauges sampled once a second by the engine. */
  gauge(second: number, inFlight: number, users: number): void {
    const sample = this.at(second)
    sample.inFlight = Math.max(sample.inFlight, inFlight)
    sample.users = users
  }

  private stepStats(name: string): StepStats {
    let stats = this.steps.get(name)
    if (!stats) {
      stats = {
        ok: 0,
        shed: 0,
        errors: 0,
        failures: 0,
        latency: new LatencyHistogram(),
        attempts: 0,
        attemptsOk: 0,
        retries: 0,
      }
      this.steps.set(name, stats)
    }
    return stats
  }

  /** Second `second` has begun: the percentiles of earlier seconds are final (the live line reads them). */
  roll(second: number): void {
    this.secondLatency.roll(second)
    this.secondLateness.roll(second)
  }

  /** Folds the open per-second histograms; call once at the end. */
  close(): void {
    this.secondLatency.flush(0)
    this.secondLateness.flush(0)
  }

  result(meta: Pick<RunResult, 'scenario' | 'target' | 'startedAt' | 'durationSec' | 'options'>): RunResult {
    const t = this.totals
    const d = meta.durationSec > 0 ? meta.durationSec : 1
    const answered = t.completed
    const steps: StepResult[] = [...this.steps.entries()]
      .map(([name, s]) => ({
        name,
        ok: s.ok,
        shed: s.shed,
        errors: s.errors,
        failures: s.failures,
        latency: s.latency.summary(),
        attempts: { count: s.attempts, ok: s.attemptsOk, retries: s.retries },
      }))
      .sort((a, b) => a.name.localeCompare(b.name))
    return {
      tool: 'floodgate-loadtest',
      version: 1,
      ...meta,
      totals: {
        ...t,
        offeredRps: rate(t.offered / d),
        completedRps: rate(t.completed / d),
        goodputRps: rate(t.goodput / d),
        errorRate: answered === 0 ? 0 : (t.errors + t.failures) / answered,
        shedRate: answered === 0 ? 0 : t.shed / answered,
        staleRate: answered === 0 ? 0 : t.stale / answered,
      },
      goodputObjectiveMs: this.goodputObjectiveMs,
      latency: this.latency.summary(),
      latencyByOutcome: { ok: this.okLatency.summary(), shed: this.shedLatency.summary() },
      sendLateness: this.sendLateness.summary(),
      queueWait: this.queueWait.summary(),
      status: Object.fromEntries([...this.status.entries()].sort((a, b) => a[0] - b[0])),
      failures: { ...this.failureKinds },
      steps,
      timeline: this.timeline,
    }
  }
}

const rate = (v: number) => Math.round(v * 10) / 10
