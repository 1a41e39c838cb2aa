import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { busyDelayMs, defaultBusyRetryPolicy, retryAfterMs, sendWithBusyRetry } from './busy-retry.js'

/** A fake clock: sleeping advances it at once, and every wait is recorded. */
function fakeTime(random = () => 0.5) {
  const state = { now: Date.parse('2026-12-01T10:00:00Z'), waits: [] as number[], busy: 0, settled: 0 }
  return {
    state,
    deps: {
      now: () => state.now,
      random,
      sleep: async (ms: number) => {
        state.waits.push(ms)
        state.now += ms
      },
      onBusy: () => void state.busy++,
      onSettled: () => void state.settled++,
    },
  }
}

const busy = (status: number, retryAfter?: string) =>
  new Response('{"code":"BUSY"}', { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} })

describe('busy retry policy', () => {
  test('Retry-After is read as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-01T10:00:00Z')
    assert.equal(retryAfterMs('2', now), 2_000)
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 10:00:05 GMT', now), 5_000)
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 09:00:00 GMT', now), 0)
    assert.equal(retryAfterMs(null, now), undefined)
    assert.equal(retryAfterMs('soon', now), undefined)
  })

  test('waits at least Retry-After, with jitter on top that spreads clients out', () => {
    assert.equal(
      busyDelayMs(1_000, 1, () => 0),
      1_000,
    )
    assert.equal(
      busyDelayMs(1_000, 1, () => 0.999),
      1_500,
    )
    assert.equal(
      busyDelayMs(4_000, 1, () => 0.5),
      5_000,
    )
    // A zero Retry-After still gets the minimum jitter, so a crowd is not released at one instant.
    assert.equal(
      busyDelayMs(0, 1, () => 0.5),
      125,
    )
    const spread = new Set(Array.from({ length: 50 }, (_, i) => busyDelayMs(1_000, 1, () => i / 50)))
    assert.equal(spread.size, 50)
  })

  test('without Retry-After the delay doubles, and no wait exceeds the cap', () => {
    assert.deepEqual(
      [1, 2, 3].map((attempt) => busyDelayMs(undefined, attempt, () => 0)),
      [1_000, 2_000, 4_000],
    )
    assert.equal(
      busyDelayMs(3_600_000, 1, () => 0),
      defaultBusyRetryPolicy.maxDelayMs,
    )
  })

  test('resends the same request, Idempotency-Key and body included, until it is not busy', async () => {
    const { state, deps } = fakeTime()
    const seen: { key: string | null; body: string }[] = []
    const answers = [busy(503, '1'), busy(429, '2'), new Response('{"id":1}', { status: 201 })]
    const request = new Request('http://shop.test/api/v1/orders', {
      method: 'POST',
      headers: { 'idempotency-key': 'order-abc', 'content-type': 'application/json' },
      body: '{"userId":1}',
    })
    const response = await sendWithBusyRetry(
      request,
      async (r) => {
        seen.push({ key: r.headers.get('idempotency-key'), body: await r.text() })
        return answers.shift()!
      },
      deps,
    )
    assert.equal(response.status, 201)
    assert.deepEqual(seen, Array(3).fill({ key: 'order-abc', body: '{"userId":1}' }))
    assert.deepEqual(state.waits, [1_250, 2_500])
    assert.equal(state.busy, 2)
    assert.equal(state.settled, 1)
  })

  test('gives up after maxAttempts and returns the last busy answer', async () => {
    const { state, deps } = fakeTime(() => 0)
    let sent = 0
    const response = await sendWithBusyRetry(
      new Request('http://shop.test/api/v1/products'),
      async () => {
        sent++
        return busy(503, '1')
      },
      deps,
    )
    assert.equal(response.status, 503)
    assert.equal(sent, defaultBusyRetryPolicy.maxAttempts)
    assert.equal(state.waits.length, defaultBusyRetryPolicy.maxAttempts - 1)
  })

  test('other answers, errors included, are returned at once', async () => {
    const { state, deps } = fakeTime()
    for (const status of [200, 400, 409, 500]) {
      const response = await sendWithBusyRetry(
        new Request('http://shop.test/x'),
        async () => new Response(null, { status }),
        deps,
      )
      assert.equal(response.status, status)
    }
    assert.deepEqual(state.waits, [])
  })
})
