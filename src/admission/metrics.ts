/**
 * The admission pipeline's metrics, in the shared registry. Names are agreed with the alert rules
 * (docs/architecture.md, "Admission"); gauges are read at scrape time, counters follow events.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Admission } from './admission.js'
import { priorityClasses } from './priority.js'

/** Connection-level breakers: fail-fast clients that reconnect in the background (Redis, NATS). */
export interface DependencyStates {
  redis?: () => boolean
  nats?: () => boolean
}

const breakerValue = { closed: 0, half_open: 1, open: 2 } as const

export function registerAdmissionMetrics(
  registry: Registry,
  admission: Admission,
  connected: DependencyStates = {},
): void {
  const { limiter, brake } = admission
  new Gauge({
    name: 'floodgate_breaker_state',
    help: 'Circuit breaker per dependency: 0 closed, 1 half-open, 2 open (Redis, NATS: 0 connected, 2 failing fast while reconnecting)',
    labelNames: ['dependency'] as const,
    registers: [registry],
    collect() {
      this.set({ dependency: 'database' }, breakerValue[admission.database.state])
      if (connected.redis) this.set({ dependency: 'redis' }, connected.redis() ? 0 : 2)
      if (connected.nats) this.set({ dependency: 'nats' }, connected.nats() ? 0 : 2)
    },
  })
  new Gauge({
    name: 'floodgate_admission_limit',
    help: 'The adaptive concurrency limit: requests allowed in service at once',
    registers: [registry],
    collect() {
      this.set(limiter.limit)
    },
  })
  new Gauge({
    name: 'floodgate_admission_in_service',
    help: 'Admitted requests being served now',
    registers: [registry],
    collect() {
      this.set(limiter.inService)
    },
  })
  new Gauge({
    name: 'floodgate_admission_queued',
    help: 'Requests waiting in the admission queue now',
    registers: [registry],
    collect() {
      this.set(limiter.queued)
    },
  })
  new Gauge({
    name: 'floodgate_event_loop_utilization',
    help: 'Event-loop utilization (0..1, smoothed over ~200 ms) that the admission brake acts on',
    registers: [registry],
    collect() {
      this.set(brake.utilization)
    },
  })
  new Gauge({
    name: 'floodgate_event_loop_lag_seconds',
    help: 'How late the event loop runs (smoothed lateness of a 100 ms timer); the brake acts when this passes its target while utilization is high',
    registers: [registry],
    collect() {
      this.set(brake.lagMs / 1000)
    },
  })
  const rejected = new Counter({
    name: 'floodgate_admission_rejected_total',
    help: 'Requests admission did not serve, by reason and priority class: a 503 OVERLOADED, or for a catalog read its last good answer (floodgate_admission_served_stale_total)',
    labelNames: ['reason', 'class'] as const,
    registers: [registry],
  })
  const queueSeconds = new Histogram({
    name: 'floodgate_admission_queue_seconds',
    help: 'Time each admitted request waited in the admission queue (0 when it started at once), by priority class',
    labelNames: ['class'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const rateLimited = new Counter({
    name: 'floodgate_rate_limited_total',
    help: 'Requests refused with 429 RATE_LIMITED, by scope (user, ip)',
    labelNames: ['scope'] as const,
    registers: [registry],
  })
  const servedStale = new Counter({
    name: 'floodgate_admission_served_stale_total',
    help: 'Rejected catalog reads answered with their last good answer (Floodgate-Stale: overloaded) instead of a 503, by priority class',
    labelNames: ['class'] as const,
    registers: [registry],
  })
  // Every admitted request is observed (most with 0 s), so the histogram's quantiles are honest.
  const queueByClass = new Map(priorityClasses.map((c) => [c, queueSeconds.labels({ class: c })]))
  admission.on((event) => {
    if (event.type === 'admitted') queueByClass.get(event.priority)!.observe(event.waitedMs / 1000)
    else if (event.type === 'rejected') rejected.inc({ reason: event.reason, class: event.priority })
    else if (event.type === 'stale') servedStale.inc({ class: event.priority })
    else rateLimited.inc({ scope: event.scope })
  })
}
