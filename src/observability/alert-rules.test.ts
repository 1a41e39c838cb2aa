import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  ALERT_RULES,
  histogramQuantile,
  holds,
  LATENCY_BUCKETS,
  POOL_WAIT_BUCKETS,
  type Sample,
} from './alert-rules.js'

const STEP_S = 5
/** A healthy process: 100 req/s, all fast, pool at 40%, loop 30% busy, dependencies up. */
function healthy(i: number): Sample {
  const requests = 100 * STEP_S * i
  const latency = LATENCY_BUCKETS.map((le) => (le >= 0.05 ? requests : 0))
  const waits = 6 * STEP_S * i
  return {
    at: i * STEP_S * 1000,
    requests,
    failed: Math.floor(requests / 1000),
    checkout: 10 * STEP_S * i,
    checkoutFailed: 0,
    unmatched404: Math.floor(requests / 500),
    latency: [...latency, requests],
    poolInUse: 4,
    poolSize: 10,
    poolWait: [...POOL_WAIT_BUCKETS.map(() => waits), waits],
    shed: 0,
    rateLimited: Math.floor(requests / 100),
    eventLoop: 0.3,
    breaker: 0,
    ordersPlaced: 10 * STEP_S * i,
    ordersPaid: 9 * STEP_S * i,
    aliasRequests: 0,
    redisUp: 1,
    natsUp: 1,
    backlog: 3,
    parked: 2,
  }
}

/** What goes wrong for each alert, applied to the healthy sample `i` (35 minutes of samples). */
const trouble: Record<string, (s: Sample, i: number) => Partial<Sample>> = {
  FloodgateHigh5xxRatio: (s) => ({ failed: s.requests * 0.1 }),
  FloodgateCheckoutErrorRatio: (s) => ({ checkoutFailed: s.checkout * 0.05 }),
  FloodgateLatencyP95OverSlo: (s) => ({
    latency: [
      ...LATENCY_BUCKETS.map((le) => (le >= 1 ? s.requests : le >= 0.05 ? s.requests * 0.5 : 0)),
      s.requests,
    ],
  }),
  FloodgateDbPoolSaturated: () => ({ poolInUse: 9 }),
  FloodgateDbPoolWaitRising: (s) => ({
    poolWait: [...POOL_WAIT_BUCKETS.map((le) => (le >= 0.1 ? s.poolWait[0]! : 0)), s.poolWait[0]!],
  }),
  FloodgateAdmissionShedding: (s) => ({ shed: s.requests * 0.2 }),
  FloodgateRateLimitedShareHigh: (s) => ({ rateLimited: s.requests * 0.2 }),
  FloodgateEventLoopSaturated: () => ({ eventLoop: 0.97 }),
  FloodgateBreakerOpen: () => ({ breaker: 2 }),
  FloodgateUnmatchedRoute404Share: (s) => ({ unmatched404: s.requests * 0.03 }),
  FloodgateDeprecatedAliasTraffic: (_s, i) => ({ aliasRequests: i }),
  FloodgateRedisUnreachable: () => ({ redisUp: 0 }),
  FloodgateNatsUnreachable: () => ({ natsUp: 0 }),
  FloodgateOutboxBacklogGrowing: (_s, i) => ({ backlog: 10 * i }),
  FloodgateDataPlatformDeadLetters: (_s, i) => ({ parked: i }),
}

const series = (change?: (s: Sample, i: number) => Partial<Sample>) =>
  Array.from({ length: 420 }, (_, i) => {
    const s = healthy(i)
    return change ? { ...s, ...change(s, i) } : s
  })

describe('the in-process alert table', () => {
  test('a healthy process holds no condition', () => {
    const samples = series()
    for (const rule of ALERT_RULES) assert.ok(!holds(rule, rule.value(samples)), rule.name)
  })

  for (const rule of ALERT_RULES) {
    test(`${rule.name} holds on its trouble and only its own`, () => {
      const change = trouble[rule.name]
      assert.ok(change, `no trouble scenario for ${rule.name}`)
      const samples = series(change)
      assert.ok(holds(rule, rule.value(samples)), `${rule.name}: ${rule.value(samples)}`)
      const others = ALERT_RULES.filter((r) => r !== rule && holds(r, r.value(samples))).map((r) => r.name)
      assert.deepEqual(others, [], `${rule.name} also raised ${others.join(', ')}`)
    })
  }

  test("histogram quantiles interpolate like PromQL's histogram_quantile", () => {
    // promtool's own answer for these buckets is 2.35 s (alerts.test.yml, p95 over the SLO).
    assert.equal(histogramQuantile(0.95, [1000, 2000, 3000, 6000], 6000, [0.1, 0.5, 1, 2.5]), 2.35)
    assert.equal(histogramQuantile(0.5, [0, 0], 0, [1, 2]), undefined)
    assert.equal(
      histogramQuantile(0.99, [10, 20], 100, [1, 2]),
      2,
      'the +Inf bucket answers the largest bound',
    )
  })
})
