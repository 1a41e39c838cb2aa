import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Recorder } from './recorder.js'

const meta = { scenario: 't', target: 'http://127.0.0.1:1', startedAt: '', durationSec: 2, options: {} }

describe('latency accounting', () => {
  test('a stalled server shows in the percentiles: latency runs from the intended start', () => {
    // 100 arrivals 10 ms apart; the server answers in 1 ms except that it stalls from 500 ms to
    // 1,000 ms, and everything due in the stall is answered at 1,000 ms.
    const r = new Recorder(100)
    for (let i = 0; i < 100; i++) {
      const intended = i * 10
      r.offered(intended, intended)
      const stalled = intended >= 500 && intended < 1000
      // Only one connection: during the stall the generator could send nothing after the first;
      // a closed-model tool would have measured one slow request. Here the wait counts.
      const sentAt = stalled ? (intended === 500 ? 500 : 1000) : intended
      r.sent(intended, sentAt)
      r.completed('s.step', intended, stalled ? 1000 + (intended - 500) / 100 : intended + 1, 'ok', 200)
    }
    r.close()
    const result = r.result(meta)
    assert.equal(result.latency.count, 100)
    // Half the requests fell in the stall, waiting up to 500 ms.
    assert.ok(result.latency.p50 >= 1 && result.latency.p50 < 20, `p50 ${result.latency.p50}`)
    assert.ok(result.latency.p90 >= 400, `p90 ${result.latency.p90}`)
    assert.ok(result.latency.max >= 500, `max ${result.latency.max}`)
    assert.ok(result.queueWait.p90 >= 300, 'the wait for the connection is reported apart')
    // Goodput counts OK answers within 100 ms only.
    assert.ok(result.totals.goodput < 60 && result.totals.goodput >= 50, `goodput ${result.totals.goodput}`)
    // The timeline's second 1 holds the answers that came late.
    assert.ok(result.timeline[1]!.p99 >= 400)
  })

  test('shed, errors and client failures are counted apart', () => {
    const r = new Recorder(1000)
    const outcomes = [
      ['ok', 200],
      ['shed', 429],
      ['shed', 503],
      ['error', 500],
      ['error', 404],
    ] as const
    outcomes.forEach(([outcome, status], i) => {
      r.offered(i, i)
      r.completed('a.b', i, i + 5, outcome, status)
    })
    r.offered(9, 9)
    r.completed('a.b', 9, 20, 'failure', undefined, 'reset')
    r.close()
    const result = r.result(meta)
    assert.deepEqual(
      [result.totals.ok, result.totals.shed, result.totals.errors, result.totals.failures],
      [1, 2, 2, 1],
    )
    assert.deepEqual(result.status, { 200: 1, 404: 1, 429: 1, 500: 1, 503: 1 })
    assert.equal(result.failures.reset, 1)
    assert.equal(result.totals.errorRate, 3 / 6)
    assert.equal(result.totals.shedRate, 2 / 6)
    assert.deepEqual(result.timeline[0]!.status, { '2xx': 1, '3xx': 0, '4xx': 2, '5xx': 2 })
  })

  test('served and refused answers have their own percentiles (admitted p95, time to reject)', () => {
    const r = new Recorder(1000)
    for (let i = 0; i < 100; i++) {
      r.offered(i, i)
      r.sent(i, i)
      // Refusals come back in 2 ms, served answers in 50 ms.
      if (i % 2) r.completed('s.step', i, i + 2, 'shed', 503)
      else r.completed('s.step', i, i + 50, 'ok', 200)
    }
    r.close()
    const { latencyByOutcome } = r.result(meta)
    assert.equal(latencyByOutcome!.shed.count, 50)
    assert.ok(latencyByOutcome!.shed.p99 < 3, `reject p99 ${latencyByOutcome!.shed.p99}`)
    assert.equal(latencyByOutcome!.ok.count, 50)
    assert.ok(latencyByOutcome!.ok.p50 >= 49, `admitted p50 ${latencyByOutcome!.ok.p50}`)
  })
})
