import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../platform/clock/index.js'
import { type BreakerState, CircuitBreaker } from './circuit-breaker.js'

test('opens after consecutive failures, probes once after the open time, closes on success', () => {
  const clock = new ManualClock(0)
  const changes: BreakerState[] = []
  const breaker = new CircuitBreaker({
    now: () => clock.now(),
    threshold: 3,
    openMs: 1_000,
    onChange: (s) => changes.push(s),
  })
  breaker.failure()
  breaker.failure()
  breaker.success()
  breaker.failure()
  breaker.failure()
  assert.equal(breaker.state, 'closed', 'a success in between resets the count')
  breaker.failure()
  assert.equal(breaker.state, 'open')
  assert.equal(breaker.allow(), false, 'fails fast while open')
  clock.advance(1_000)
  assert.equal(breaker.state, 'half_open')
  assert.equal(breaker.allow(), true, 'one probe')
  assert.equal(breaker.allow(), false, 'and only one')
  breaker.failure()
  assert.equal(breaker.state, 'open', 'a failed probe opens it again')
  clock.advance(1_000)
  assert.equal(breaker.allow(), true)
  breaker.success()
  assert.equal(breaker.state, 'closed')
  assert.deepEqual(changes, ['open', 'half_open', 'open', 'half_open', 'closed'])
})
