import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { RunResult, SecondSample, StepResult } from '../../loadtest/index.js'
import {
  connectionErrors,
  isCheckout,
  perSecond,
  recovery,
  shopperTally,
  tally,
} from './overload-analysis.js'

const second = (t: number, p95: number, extra: Partial<SecondSample> = {}): SecondSample => ({
  t,
  offered: 10,
  sent: 10,
  completed: 10,
  ok: 10,
  shed: 0,
  errors: 0,
  failures: 0,
  goodput: 10,
  status: { '2xx': 10, '3xx': 0, '4xx': 0, '5xx': 0 },
  p50: p95 / 2,
  p95,
  p99: p95,
  max: p95,
  lateP99: 0,
  inFlight: 1,
  users: 1,
  ...extra,
})

const step = (name: string, ok: number, shed = 0, errors = 0, failures = 0): StepResult => ({
  name,
  ok,
  shed,
  errors,
  failures,
  latency: { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 },
})

const result = (timeline: SecondSample[], steps: StepResult[] = []): RunResult =>
  ({
    timeline,
    steps,
    failures: { reset: 1, refused: 2, timeout: 3, unsent: 40, other: 50 },
  }) as unknown as RunResult

describe('overload analysis', () => {
  it('averages a counter over the seconds of a window only', () => {
    const r = result([
      second(0, 5, { goodput: 100 }),
      second(1, 5, { goodput: 10 }),
      second(2, 5, { goodput: 20 }),
    ])
    assert.equal(perSecond(r, { from: 1, to: 3 }, 'goodput'), 15)
    assert.equal(perSecond(r, { from: 7, to: 9 }, 'goodput'), 0)
  })

  it('counts orders, payments and cancels as checkout, and browsing apart', () => {
    const r = result(
      [],
      [
        step('buy.order', 97, 1, 1, 1),
        step('pay-later.pay', 100),
        step('browse.list', 5, 95),
        step('cancel.cancel', 3),
      ],
    )
    const t = tally(r, isCheckout)
    assert.deepEqual(
      { ...t, success: Number(t.success.toFixed(4)) },
      {
        attempts: 203,
        ok: 200,
        shed: 1,
        errors: 1,
        failures: 1,
        success: 0.9852,
      },
    )
  })

  it('counts shoppers apart from requests: a refusal resent until it succeeded is one attempt, ok', () => {
    const r = result(
      [],
      [
        // 100 shoppers ordered; 10 of them were refused once and got through on the resend, 2 gave up.
        { ...step('buy.order', 98, 14), attempts: { count: 100, ok: 98, retries: 12 } },
        // A result without attempts (older, or without retries): one attempt per request.
        step('pay-later.pay', 49, 1),
        { ...step('browse.list', 0, 50), attempts: { count: 50, ok: 0, retries: 0 } },
      ],
    )
    assert.deepEqual(shopperTally(r, isCheckout), { attempts: 150, ok: 147, retries: 12, success: 0.98 })
    assert.equal(tally(r, isCheckout).attempts, 162, 'per request, each resend counts')
  })

  it('counts resets, refusals and timeouts as connection errors, not unsent requests', () => {
    assert.equal(connectionErrors(result([])), 6)
  })

  it('measures recovery from the end of the spike against the worst baseline second', () => {
    // Baseline seconds 0-2 (worst p95 12 ms), spike ends at 5, p95 is back at 8 and stays.
    const p95s = [10, 12, 11, 400, 900, 600, 300, 40, 12, 9, 11, 10]
    const r = result(p95s.map((p, t) => second(t, p)))
    assert.deepEqual(recovery(r, { from: 0, to: 3 }, 5), { baselineP95: 12, seconds: 3 })
  })

  it('does not call one good second among bad ones a recovery', () => {
    const p95s = [10, 10, 10, 500, 10, 500, 500, 10, 10]
    const r = result(p95s.map((p, t) => second(t, p)))
    assert.equal(recovery(r, { from: 0, to: 3 }, 3).seconds, undefined)
  })
})
