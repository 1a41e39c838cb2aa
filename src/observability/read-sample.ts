import type { MetricValue, Registry } from 'prom-client'
import { LATENCY_BUCKETS, POOL_WAIT_BUCKETS, type Sample } from './alert-rules.js'

const CHECKOUT_ROUTES = new Set(['/api/v1/orders', '/api/v1/orders/:orderId/payment'])
/** Not the API's latency: page fallbacks, unknown paths, scrapes. */
const NOT_API = new Set(['unmatched', 'storefront', '/metrics'])

/**
 * Reads one sample from the registry by metric name, so metrics other modules add (admission,
 * rate limits, breakers, event-loop utilization) are seen when present and read as zero when not.
 * `ownEventLoop` stands in for `floodgate_event_loop_utilization` until that gauge exists.
 */
export async function readSample(registry: Registry, at: number, ownEventLoop: number): Promise<Sample> {
  const values = async (name: string): Promise<MetricValue<string>[]> => {
    const metric = registry.getSingleMetric(name)
    return metric ? ((await metric.get()).values as MetricValue<string>[]) : []
  }
  const [requests, latency, pool, poolWait, shed, limited, elu, breaker, orders, alias, up, backlog, parked] =
    await Promise.all([
      values('floodgate_http_requests_total'),
      values('floodgate_http_request_duration_seconds'),
      values('floodgate_db_pool_connections'),
      values('floodgate_db_pool_wait_seconds'),
      values('floodgate_admission_rejected_total'),
      values('floodgate_rate_limited_total'),
      values('floodgate_event_loop_utilization'),
      values('floodgate_breaker_state'),
      values('floodgate_orders_total'),
      values('floodgate_deprecated_alias_requests_total'),
      values('floodgate_dependency_up'),
      values('floodgate_outbox_backlog'),
      values('floodgate_data_platform_parked'),
    ])
  const sum = (vs: MetricValue<string>[], where: (l: Labels) => boolean = () => true) =>
    vs.reduce((total, v) => (where(v.labels) ? total + v.value : total), 0)
  const pick = (vs: MetricValue<string>[], where: (l: Labels) => boolean) =>
    vs.find((v) => where(v.labels))?.value
  const status = (l: Labels) => Number(l['status'])
  return {
    at,
    requests: sum(requests),
    failed: sum(requests, (l) => status(l) >= 500),
    checkout: sum(requests, (l) => l['method'] === 'POST' && CHECKOUT_ROUTES.has(String(l['route']))),
    checkoutFailed: sum(
      requests,
      (l) => l['method'] === 'POST' && CHECKOUT_ROUTES.has(String(l['route'])) && status(l) >= 500,
    ),
    unmatched404: sum(requests, (l) => l['route'] === 'unmatched' && status(l) === 404),
    latency: buckets(latency, LATENCY_BUCKETS, (l) => !NOT_API.has(String(l['route']))),
    poolInUse: pick(pool, (l) => l['state'] === 'in_use'),
    poolSize: pick(pool, (l) => l['state'] === 'size'),
    poolWait: buckets(poolWait, POOL_WAIT_BUCKETS, () => true),
    shed: sum(shed),
    rateLimited: sum(limited),
    eventLoop: elu.length > 0 ? Math.max(...elu.map((v) => v.value)) : ownEventLoop,
    breaker: breaker.length > 0 ? Math.max(...breaker.map((v) => v.value)) : 0,
    ordersPlaced: sum(orders, (l) => l['event'] === 'placed'),
    ordersPaid: sum(orders, (l) => l['event'] === 'paid'),
    aliasRequests: sum(alias),
    redisUp: pick(up, (l) => l['dependency'] === 'redis'),
    natsUp: pick(up, (l) => l['dependency'] === 'nats'),
    backlog: backlog[0]?.value,
    parked: parked[0]?.value,
  }
}

/** Cumulative bucket counts (one per bound, then +Inf) summed over the series that pass `where`. */
function buckets(values: MetricValue<string>[], bounds: number[], where: (l: Labels) => boolean): number[] {
  const out = new Array<number>(bounds.length + 1).fill(0)
  for (const v of values) {
    const le = v.labels['le']
    if (le === undefined || !where(v.labels)) continue
    const i = le === '+Inf' ? bounds.length : bounds.indexOf(Number(le))
    if (i >= 0) out[i] = (out[i] ?? 0) + v.value
  }
  return out
}

type Labels = Partial<Record<string, string | number>>
