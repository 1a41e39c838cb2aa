import os from 'node:os'
import { performance } from 'node:perf_hooks'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { Clock } from '../platform/clock/index.js'
import { type Db, transact } from '../platform/db/index.js'
import {
  ALERT_RULES,
  type AlertRule,
  holds,
  LATENCY_BUCKETS,
  type Sample,
  type Severity,
  Window,
} from './alert-rules.js'
import { readSample } from './read-sample.js'

/** Seconds between samples; the page's charts and the in-process alerts see this resolution. */
export const SAMPLE_INTERVAL_SECONDS = 5
/** What the ops page shows. */
const SHOWN_MS = 15 * 60_000
/** What the buffer keeps: the longest alert window (30 min, deprecated aliases) plus a margin. */
const KEPT_MS = 35 * 60_000
/** Failed users remembered per minute: enough to count a bad minute, bounded under an attack. */
const MAX_FAILED_USERS = 1000

export type AlertState = 'inactive' | 'pending' | 'firing'

export interface AlertTransition {
  at: number
  alert: string
  severity: Severity
  state: 'firing' | 'resolved'
  value: number
}

interface RuleState {
  state: AlertState
  since: number | undefined
  value: number | undefined
}

export interface OpsSamplerOptions {
  registry: Registry
  db: Db
  clock: Clock
  /** This process's name in the recorded timeline (several instances share one database). */
  instance?: string
  onError?: (message: string, error: unknown) => void
}

/**
 * Reads this process's metrics every few seconds into a ring buffer, evaluates the alert table
 * (alert-rules.ts) over it, and records alert transitions and per-minute counts in the database
 * for incident reports. It only reads the registry, so it costs the request path nothing but the
 * one hook that remembers which signed-in users saw a 5xx.
 */
export class OpsSampler {
  readonly instance: string
  private readonly samples: Sample[] = []
  private readonly rules = new Map<string, RuleState>()
  private readonly recent: AlertTransition[] = []
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> = Promise.resolve()
  private failedUsers = new Set<number>()
  private minute: { at: number; base: Sample } | undefined
  private elu = performance.eventLoopUtilization()
  /** This process's event-loop utilization since the last call (replaceable in tests: real load is noisy). */
  readEventLoop: () => number = () => {
    const now = performance.eventLoopUtilization()
    const delta = performance.eventLoopUtilization(now, this.elu)
    this.elu = now
    return delta.utilization
  }

  constructor(private readonly opts: OpsSamplerOptions) {
    this.instance = opts.instance ?? `${os.hostname()}:${process.pid}`
    for (const rule of ALERT_RULES)
      this.rules.set(rule.name, { state: 'inactive', since: undefined, value: undefined })
  }

  /** Samples now and then every interval (the first sample is the baseline of the first chart point). */
  start(): void {
    if (this.timer) return
    const tick = () => {
      this.running = this.sample().catch((error) => this.opts.onError?.('ops sample failed', error))
    }
    this.timer = setInterval(tick, SAMPLE_INTERVAL_SECONDS * 1000)
    this.timer.unref()
    tick()
  }

  /** Stops the timer and records the minute in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
    await this.flushMinute().catch((error) => this.opts.onError?.('ops minute not recorded', error))
  }

  /** Remembers signed-in users who saw a 5xx (for "affected users" in incident reports). */
  watch(app: Pick<FastifyInstance, 'addHook'>): void {
    app.addHook('onResponse', async (request, reply) => {
      const userId = request.principal?.userId
      if (reply.statusCode >= 500 && userId !== undefined && this.failedUsers.size < MAX_FAILED_USERS)
        this.failedUsers.add(userId)
    })
  }

  /** Takes one sample, evaluates the alerts, records transitions and finished minutes. */
  async sample(): Promise<Sample> {
    const sample = await readSample(this.opts.registry, this.opts.clock.now(), this.readEventLoop())
    const previous = this.samples[this.samples.length - 1]
    this.samples.push(sample)
    while (this.samples.length > 0 && this.samples[0]!.at < sample.at - KEPT_MS) this.samples.shift()

    const transitions = this.evaluate(sample.at)
    if (transitions.length > 0) {
      this.recent.push(...transitions)
      this.recent.splice(0, Math.max(0, this.recent.length - 100))
      await transact(this.opts.db, (trx) =>
        trx
          .insertInto('ops_alert_events')
          .values(transitions.map((t) => ({ instance: this.instance, ...t })))
          .execute(),
      )
    }
    const minuteAt = Math.floor(sample.at / 60_000) * 60_000
    if (!this.minute) this.minute = { at: minuteAt, base: sample }
    else if (minuteAt !== this.minute.at && previous) {
      await this.flushMinute(previous)
      this.minute = { at: minuteAt, base: previous }
    }
    return sample
  }

  /** The ops page's view: the last 15 minutes as columns (uPlot's shape), the alerts, the recent transitions. */
  view() {
    const shown = this.samples.filter((s) => s.at >= (this.samples.at(-1)?.at ?? 0) - SHOWN_MS)
    const series = {
      t: [] as number[],
      requestsPerSecond: [] as number[],
      errorRatio: [] as number[],
      p95Ms: [] as (number | null)[],
      shedPerSecond: [] as number[],
      rateLimitedPerSecond: [] as number[],
      poolUsage: [] as (number | null)[],
      eventLoopUtilization: [] as number[],
      ordersPerSecond: [] as number[],
    }
    for (let i = 1; i < shown.length; i++) {
      const step = new Window([shown[i - 1]!, shown[i]!], Number.POSITIVE_INFINITY)
      const perSecond = (read: (s: Sample) => number) => round(step.rate(read) ?? 0)
      const now = shown[i]!
      const p95 = step.quantile(0.95, (x) => x.latency, LATENCY_BUCKETS)
      series.t.push(Math.round(now.at / 1000))
      series.requestsPerSecond.push(perSecond((x) => x.requests))
      series.errorRatio.push(
        round(
          step.ratio(
            (x) => x.failed,
            (x) => x.requests,
          ) ?? 0,
        ),
      )
      series.p95Ms.push(p95 === undefined ? null : round(p95 * 1000))
      series.shedPerSecond.push(perSecond((x) => x.shed))
      series.rateLimitedPerSecond.push(perSecond((x) => x.rateLimited))
      series.poolUsage.push(now.poolSize ? round((now.poolInUse ?? 0) / now.poolSize) : null)
      series.eventLoopUtilization.push(round(now.eventLoop))
      series.ordersPerSecond.push(perSecond((x) => x.ordersPlaced))
    }
    return {
      instance: this.instance,
      intervalSeconds: SAMPLE_INTERVAL_SECONDS,
      series,
      alerts: ALERT_RULES.map((rule) => {
        const state = this.rules.get(rule.name)!
        return {
          name: rule.name,
          severity: rule.severity,
          state: state.state,
          value: state.value === undefined ? null : round(state.value),
          threshold: rule.threshold,
          summary: rule.summary,
          runbook: `docs/runbooks/${rule.runbook}`,
          since: state.since ?? null,
        }
      }),
      timeline: [...this.recent].reverse(),
    }
  }

  private evaluate(now: number): Omit<AlertTransition, 'instance'>[] {
    const transitions: AlertTransition[] = []
    for (const rule of ALERT_RULES) {
      const state = this.rules.get(rule.name)!
      const value = rule.value(this.samples)
      state.value = value
      if (!holds(rule, value)) {
        if (state.state === 'firing') transitions.push(this.transition(rule, now, 'resolved', value ?? 0))
        state.state = 'inactive'
        state.since = undefined
        continue
      }
      state.since ??= now
      if (state.state === 'inactive') state.state = 'pending'
      if (state.state === 'pending' && now - state.since >= rule.forSeconds * 1000) {
        state.state = 'firing'
        transitions.push(this.transition(rule, now, 'firing', value))
      }
    }
    return transitions
  }

  private transition(rule: AlertRule, at: number, state: 'firing' | 'resolved', value: number) {
    return { at, alert: rule.name, severity: rule.severity, state, value: round(value) }
  }

  private async flushMinute(until = this.samples.at(-1)): Promise<void> {
    const minute = this.minute
    if (!minute || !until || until === minute.base) return
    const users = [...this.failedUsers]
    this.failedUsers = new Set()
    const d = (read: (s: Sample) => number) => read(until) - read(minute.base)
    const row = {
      instance: this.instance,
      at: minute.at,
      requests: d((s) => s.requests),
      failed: d((s) => s.failed),
      orders_placed: d((s) => s.ordersPlaced),
      orders_paid: d((s) => s.ordersPaid),
      failed_users: JSON.stringify(users),
    }
    this.minute = { at: minute.at, base: until }
    await transact(this.opts.db, async (trx) => {
      // A stop() mid-minute and the timer's later flush of the same minute add up.
      const had = await trx
        .selectFrom('ops_minutes')
        .selectAll()
        .where('instance', '=', row.instance)
        .where('at', '=', row.at)
        .executeTakeFirst()
      if (!had) {
        await trx.insertInto('ops_minutes').values(row).execute()
        return
      }
      await trx
        .updateTable('ops_minutes')
        .set({
          requests: Number(had.requests) + row.requests,
          failed: Number(had.failed) + row.failed,
          orders_placed: Number(had.orders_placed) + row.orders_placed,
          orders_paid: Number(had.orders_paid) + row.orders_paid,
          failed_users: JSON.stringify([...new Set([...JSON.parse(had.failed_users), ...users])]),
        })
        .where('instance', '=', row.instance)
        .where('at', '=', row.at)
        .execute()
    })
  }
}

const round = (n: number) => Math.round(n * 10_000) / 10_000
