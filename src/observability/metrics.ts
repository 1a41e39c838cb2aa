import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolObserver } from '../platform/db/index.js'
import { BusinessMetrics } from './business.js'

/**
 * Every metric lives in one registry with Prometheus names. Labels are bounded: `route` is the
 * route pattern (or `unmatched`), never the raw path, so a scan of random URLs cannot explode the
 * series count.
 */
export class Metrics {
  readonly registry = new Registry()

  readonly httpRequests = new Counter({
    name: 'floodgate_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  })

  readonly httpDuration = new Histogram({
    name: 'floodgate_http_request_duration_seconds',
    help: 'Time from request start to response sent, by route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })

  readonly deprecatedAliasRequests = new Counter({
    name: 'floodgate_deprecated_alias_requests_total',
    help: 'Requests that used a deprecated alias path, by alias',
    labelNames: ['alias'] as const,
    registers: [this.registry],
  })

  /** Orders, revenue, coupons, sold-out refusals, points (business.ts). */
  readonly business = new BusinessMetrics(this.registry)

  readonly topProductsComputations = new Counter({
    name: 'floodgate_top_products_computations_total',
    help: 'Times this instance queried the database for the top products (cache refreshes)',
    registers: [this.registry],
  })

  readonly dataPlatformDeliveries = new Counter({
    name: 'floodgate_data_platform_deliveries_total',
    help: 'Attempts to deliver an order event to the data platform, by outcome (delivered, retry, park)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })

  readonly dbPoolWait = new Histogram({
    name: 'floodgate_db_pool_wait_seconds',
    help: 'Time a request waited for a database connection (MySQL pool), by outcome (acquired, timeout)',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })

  readonly dbPoolHold = new Histogram({
    name: 'floodgate_db_pool_hold_seconds',
    help: 'Time a database connection was held (acquire to release) per unit of work',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })

  private readonly poolState = new Gauge({
    name: 'floodgate_db_pool_connections',
    help: 'Database pool: configured size, connections in use, and requests waiting for one',
    labelNames: ['state'] as const,
    registers: [this.registry],
    // Read at scrape time: a gauge set on every acquire would cost the hot path for nothing.
    collect: () => {
      const state = this.readPool?.()
      if (!state) return
      this.poolState.set({ state: 'size' }, state.size)
      this.poolState.set({ state: 'in_use' }, state.inUse)
      this.poolState.set({ state: 'waiting' }, state.waiting)
    },
  })

  /** The pool reports through this (MySQL only; SQLite has no pool). */
  readonly poolObserver: PoolObserver = {
    waited: (seconds, outcome) => this.dbPoolWait.observe({ outcome }, seconds),
    held: (seconds) => this.dbPoolHold.observe(seconds),
    gauge: (read) => {
      this.readPool = read
    },
  }
  private readPool: (() => { size: number; inUse: number; waiting: number }) | undefined

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'floodgate_' })
  }

  /** Label children are cached per series: resolving labels on every request showed in profiles. */
  private readonly series = new Map<
    string,
    { count: { inc(): void }; seconds: { observe(v: number): void } }
  >()

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`
    let s = this.series.get(key)
    if (!s) {
      s = {
        count: this.httpRequests.labels({ method, route, status: String(status) }),
        seconds: this.httpDuration.labels({ method, route, status_class: `${Math.floor(status / 100)}xx` }),
      }
      this.series.set(key, s)
    }
    s.count.inc()
    s.seconds.observe(seconds)
  }
}
