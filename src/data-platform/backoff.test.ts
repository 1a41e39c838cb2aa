import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffDelay } from './backoff.js'

const policy = { baseMs: 1_000, capMs: 60_000 }

test('the ceiling doubles per attempt up to the cap', () => {
  const almostOne = () => 0.999999
  assert.deepEqual(
    [1, 2, 3, 4, 6, 7, 20].map((attempt) => Math.round(backoffDelay(attempt, policy, almostOne) / 1000)),
    [1, 2, 4, 8, 32, 60, 60],
  )
})

test('full jitter: the delay is spread over the whole window, from zero', () => {
  assert.equal(
    backoffDelay(5, policy, () => 0),
    0,
  )
  assert.equal(
    backoffDelay(5, policy, () => 0.5),
    8_000,
  )
  for (let i = 0; i < 1000; i++) {
    const delay = backoffDelay(3, policy)
    assert.ok(delay >= 0 && delay < 4_000, String(delay))
  }
})
