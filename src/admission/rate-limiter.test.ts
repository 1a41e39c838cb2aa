import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { ManualClock } from '../platform/clock/index.js'
import { gcra, LocalRateLimiter } from './rate-limiter.js'

describe('GCRA rate limiter', () => {
  test('a burst of 1 admits a client with an empty bucket at any clock reading', () => {
    // At 1000.123456789 ms, (now + 100000) - 100000 > now in floating point: the wait was 1e-11 ms.
    const clock = new ManualClock(1000.123456789)
    const limiter = new LocalRateLimiter({ rate: 0.01, burst: 1 }, () => clock.now())
    assert.equal(limiter.take('u1').allowed, true)
    assert.equal(limiter.take('u1').allowed, false)
    clock.advance(100_000)
    assert.equal(limiter.peek('u1').allowed, true, 'one interval later the bucket has room again')
    assert.equal(gcra({ rate: 0.01, burst: 1 }, undefined, 1000.123456789).decision.allowed, true)
  })

  test('a burst at once, then one request per interval', () => {
    const clock = new ManualClock(0)
    const limiter = new LocalRateLimiter({ rate: 10, burst: 5 }, () => clock.now())
    const remaining = [1, 2, 3, 4, 5].map(() => limiter.take('u1'))
    assert.deepEqual(
      remaining.map((d) => [d.allowed, d.remaining]),
      [
        [true, 4],
        [true, 3],
        [true, 2],
        [true, 1],
        [true, 0],
      ],
    )
    assert.equal(remaining[4]!.resetMs, 500, 'five requests at 100 ms each are replenished in 500 ms')
    const refused = limiter.take('u1')
    assert.equal(refused.allowed, false)
    assert.equal(refused.retryAfterMs, 100, 'one interval (1 s / 10) until the next request')
    clock.advance(99)
    assert.equal(limiter.take('u1').allowed, false)
    clock.advance(1)
    assert.equal(limiter.take('u1').allowed, true)
    assert.equal(limiter.take('u1').allowed, false)
    assert.equal(limiter.take('u2').allowed, true, 'keys are independent')
  })

  test('an idle client is back to a full burst after burst / rate seconds', () => {
    const clock = new ManualClock(0)
    const limiter = new LocalRateLimiter({ rate: 2, burst: 4 }, () => clock.now())
    for (let i = 0; i < 4; i++) limiter.take('k')
    clock.advance(2_000)
    const d = limiter.take('k')
    assert.deepEqual([d.allowed, d.remaining], [true, 3])
  })

  test('refusals do not cost the client anything', () => {
    const clock = new ManualClock(0)
    const limiter = new LocalRateLimiter({ rate: 1, burst: 1 }, () => clock.now())
    assert.equal(limiter.take('k').allowed, true)
    for (let i = 0; i < 100; i++) assert.equal(limiter.take('k').allowed, false)
    clock.advance(1_000)
    assert.equal(limiter.take('k').allowed, true)
  })

  test('a known refusal is what take would refuse, and asking for it takes nothing', () => {
    const clock = new ManualClock(0)
    const limiter = new LocalRateLimiter({ rate: 1, burst: 2 }, () => clock.now())
    for (let i = 0; i < 10; i++) assert.equal(limiter.knownRefusal('u1'), undefined)
    assert.equal(limiter.take('u1').allowed, true)
    assert.equal(limiter.take('u1').allowed, true, 'asking spent none of the burst')
    const known = limiter.knownRefusal('u1')
    assert.deepEqual(known, limiter.take('u1'))
    assert.equal(known?.allowed, false)
    clock.advance(1_000)
    assert.equal(limiter.knownRefusal('u1'), undefined, 'one interval later it would be allowed')
  })

  test('over any span, at most burst + rate × span requests are allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          let now = 0
          let tat: number | undefined
          let allowed = 0
          for (const gap of gaps) {
            now += gap
            const step = gcra({ rate, burst }, tat, now)
            tat = step.tat
            if (step.decision.allowed) allowed++
          }
          return allowed <= burst + Math.floor((rate * now) / 1000) + 1
        },
      ),
    )
  })

  test('the table of clients stays bounded', () => {
    const clock = new ManualClock(0)
    const limiter = new LocalRateLimiter({ rate: 1, burst: 1 }, () => clock.now(), 100)
    for (let i = 0; i < 1_000; i++) {
      limiter.take(`ip-${i}`)
      clock.advance(10)
    }
    assert.ok(limiter.size <= 100, `${limiter.size}`)
  })
})
