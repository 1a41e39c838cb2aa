/**
 * The alert conditions of ops/prometheus/alerts.yml, evaluated in-process over the ops sampler's
 * ring buffer, so a shop on the embedded default without Prometheus still sees trouble. One table;
 * alerts.test.ts checks every name, severity, `for` and threshold against alerts.yml. The two
 * scrape alerts (FloodgateServiceDown, FloodgateInstanceDown) need an outside observer and exist
 * only in Prometheus.
 */

/** One reading of this process's metrics. Counters and histogram buckets are cumulative. */
export interface Sample {
  at: number
  requests: number
  failed: number
  checkout: number
  checkoutFailed: number
  unmatched404: number
  /** Cumulative counts per bucket of `LATENCY_BUCKETS` (API routes only). */
  latency: number[]
  poolInUse?: number
  poolSize?: number
  /** Cumulative counts per bucket of `POOL_WAIT_BUCKETS`. */
  poolWait: number[]
  shed: number
  rateLimited: number
  eventLoop: number
  /** The most open circuit breaker (0 closed, 1 half-open, 2 open). */
  breaker: number
  ordersPlaced: number
  ordersPaid: number
  aliasRequests: number
  redisUp?: number
  natsUp?: number
  backlog?: number
  parked?: number
}

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
export const POOL_WAIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** Samples from `seconds` ago to now (oldest first), and what changed across them. */
export class Window {
  readonly first: Sample
  readonly last: Sample
  constructor(samples: readonly Sample[], seconds: number) {
    const now = samples[samples.length - 1]!
    this.last = now
    this.first = samples.find((s) => s.at >= now.at - seconds * 1000) ?? now
  }
  /** Seconds between the first and last sample (0 with a single sample). */
  get span(): number {
    return (this.last.at - this.first.at) / 1000
  }
  delta(read: (s: Sample) => number | undefined): number {
    return (read(this.last) ?? 0) - (read(this.first) ?? 0)
  }
  /** Per second over the window; undefined until two samples exist. */
  rate(read: (s: Sample) => number | undefined): number | undefined {
    return this.span > 0 ? this.delta(read) / this.span : undefined
  }
  /** `num / den` over the window, when `den` saw at least `minPerSecond` events per second. */
  ratio(num: (s: Sample) => number, den: (s: Sample) => number, minPerSecond = 0): number | undefined {
    const perSecond = this.rate(den)
    if (perSecond === undefined || perSecond <= 0 || perSecond <= minPerSecond) return undefined
    return this.delta(num) / this.delta(den)
  }
  /** The q-quantile of a histogram over the window, interpolated like PromQL's histogram_quantile. */
  quantile(q: number, read: (s: Sample) => number[], bounds: number[]): number | undefined {
    const a = read(this.first)
    const b = read(this.last)
    return histogramQuantile(
      q,
      bounds.map((_, i) => (b[i] ?? 0) - (a[i] ?? 0)),
      (b[bounds.length] ?? 0) - (a[bounds.length] ?? 0),
      bounds,
    )
  }
}

/** Cumulative bucket counts (one per bound) plus the total, as Prometheus's histogram_quantile reads them. */
export function histogramQuantile(
  q: number,
  cumulative: number[],
  total: number,
  bounds: number[],
): number | undefined {
  if (total <= 0) return undefined
  const rank = q * total
  for (let i = 0; i < bounds.length; i++) {
    const count = cumulative[i] ?? 0
    if (count >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!
      const below = i === 0 ? 0 : (cumulative[i - 1] ?? 0)
      const inBucket = count - below
      return inBucket <= 0 ? bounds[i]! : lower + ((bounds[i]! - lower) * (rank - below)) / inBucket
    }
  }
  // In the +Inf bucket: the largest finite bound, as Prometheus answers.
  return bounds[bounds.length - 1]
}

export type Severity = 'P1' | 'P2' | 'P3' | 'P4'

export interface AlertRule {
  name: string
  severity: Severity
  /** How long the condition must hold before the alert fires (alerts.yml `for`). */
  forSeconds: number
  /** The number the condition compares against (alerts.yml's threshold). */
  threshold: number
  /** How the value compares with the threshold. */
  op: '>' | '=='
  summary: string
  runbook: string
  /** The observed value, or undefined when there is not enough data (the condition is then false). */
  value(samples: readonly Sample[]): number | undefined
}

const w = (samples: readonly Sample[], seconds: number) => new Window(samples, seconds)
const last = (samples: readonly Sample[]) => samples[samples.length - 1]

/** The in-process alert table; thresholds equal alerts.yml's (checked by a test). */
export const ALERT_RULES: readonly AlertRule[] = [
  {
    name: 'FloodgateHigh5xxRatio',
    severity: 'P1',
    forSeconds: 120,
    threshold: 0.05,
    op: '>',
    summary: 'More than 5% of all requests fail with 5xx',
    runbook: 'high-5xx-ratio.md',
    value: (s) =>
      w(s, 300).ratio(
        (x) => x.failed,
        (x) => x.requests,
        1,
      ),
  },
  {
    name: 'FloodgateCheckoutErrorRatio',
    severity: 'P2',
    forSeconds: 120,
    threshold: 0.02,
    op: '>',
    summary: 'More than 2% of checkouts and payments fail with 5xx',
    runbook: 'checkout-errors.md',
    value: (s) =>
      w(s, 300).ratio(
        (x) => x.checkoutFailed,
        (x) => x.checkout,
        0.1,
      ),
  },
  {
    name: 'FloodgateLatencyP95OverSlo',
    severity: 'P2',
    forSeconds: 300,
    threshold: 0.5,
    op: '>',
    summary: 'p95 latency over the 500 ms SLO',
    runbook: 'latency-over-slo.md',
    value: (s) => w(s, 300).quantile(0.95, (x) => x.latency, LATENCY_BUCKETS),
  },
  {
    name: 'FloodgateDbPoolSaturated',
    severity: 'P2',
    forSeconds: 120,
    threshold: 0.8,
    op: '>',
    summary: 'The database pool is more than 80% in use',
    runbook: 'db-pool-saturated.md',
    value: (s) => {
      const x = last(s)
      return x?.poolSize ? (x.poolInUse ?? 0) / x.poolSize : undefined
    },
  },
  {
    name: 'FloodgateDbPoolWaitRising',
    severity: 'P2',
    forSeconds: 120,
    threshold: 0.05,
    op: '>',
    summary: 'Requests wait more than 50 ms (p95) for a database connection',
    runbook: 'db-pool-saturated.md',
    value: (s) => w(s, 300).quantile(0.95, (x) => x.poolWait, POOL_WAIT_BUCKETS),
  },
  {
    name: 'FloodgateAdmissionShedding',
    severity: 'P2',
    forSeconds: 300,
    threshold: 0.05,
    op: '>',
    summary: 'Admission control sheds more than 5% of requests: a surge',
    runbook: 'traffic-surge.md',
    value: (s) =>
      w(s, 300).ratio(
        (x) => x.shed,
        (x) => x.requests,
      ),
  },
  {
    name: 'FloodgateRateLimitedShareHigh',
    severity: 'P3',
    forSeconds: 600,
    threshold: 0.1,
    op: '>',
    summary: 'More than 10% of requests are rate limited',
    runbook: 'rate-limited-share.md',
    value: (s) =>
      w(s, 300).ratio(
        (x) => x.rateLimited,
        (x) => x.requests,
      ),
  },
  {
    name: 'FloodgateEventLoopSaturated',
    severity: 'P2',
    forSeconds: 180,
    threshold: 0.9,
    op: '>',
    summary: 'The event loop is more than 90% busy',
    runbook: 'event-loop-saturated.md',
    value: (s) => last(s)?.eventLoop,
  },
  {
    name: 'FloodgateBreakerOpen',
    severity: 'P3',
    forSeconds: 120,
    threshold: 2,
    op: '==',
    summary: 'A circuit breaker is open',
    runbook: 'dependency-unreachable.md',
    value: (s) => last(s)?.breaker,
  },
  {
    name: 'FloodgateUnmatchedRoute404Share',
    severity: 'P3',
    forSeconds: 300,
    threshold: 0.01,
    op: '>',
    summary: 'More than 1% of requests hit no route (404)',
    runbook: 'unmatched-404-spike.md',
    value: (s) =>
      w(s, 300).ratio(
        (x) => x.unmatched404,
        (x) => x.requests,
        1,
      ),
  },
  {
    name: 'FloodgateDeprecatedAliasTraffic',
    severity: 'P4',
    forSeconds: 1800,
    threshold: 0,
    op: '>',
    summary: 'Clients still call deprecated alias paths',
    runbook: 'deprecated-alias-traffic.md',
    value: (s) => w(s, 1800).rate((x) => x.aliasRequests),
  },
  {
    name: 'FloodgateRedisUnreachable',
    severity: 'P2',
    forSeconds: 120,
    threshold: 0,
    op: '==',
    summary: 'Redis is unreachable; the database takes every read',
    runbook: 'dependency-unreachable.md',
    value: (s) => last(s)?.redisUp,
  },
  {
    name: 'FloodgateNatsUnreachable',
    severity: 'P3',
    forSeconds: 120,
    threshold: 0,
    op: '==',
    summary: 'NATS is unreachable; order events wait in the outbox',
    runbook: 'dependency-unreachable.md',
    value: (s) => last(s)?.natsUp,
  },
  {
    name: 'FloodgateOutboxBacklogGrowing',
    severity: 'P3',
    forSeconds: 600,
    threshold: 100,
    op: '>',
    summary: 'More than 100 order events wait in the outbox and the backlog grows',
    runbook: 'outbox-backlog.md',
    value: (s) => {
      const backlog = last(s)?.backlog
      return backlog !== undefined && w(s, 600).delta((x) => x.backlog) > 0 ? backlog : undefined
    },
  },
  {
    name: 'FloodgateDataPlatformDeadLetters',
    severity: 'P3',
    forSeconds: 300,
    threshold: 0,
    op: '>',
    summary: "Order events are being parked in the data platform's dead-letter store",
    runbook: 'data-platform-dead-letters.md',
    value: (s) => (last(s)?.parked === undefined ? undefined : w(s, 900).delta((x) => x.parked)),
  },
]

export const holds = (rule: AlertRule, value: number | undefined): value is number =>
  value !== undefined && (rule.op === '>' ? value > rule.threshold : value === rule.threshold)
