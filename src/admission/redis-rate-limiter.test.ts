import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../platform/clock/index.js'
import { connectRedis, type RedisHandle, waitUntilReady } from '../platform/redis/index.js'
import { createTestServices, needsServices, type TestServices } from '../testing/backend.js'
import { freePort } from '../testing/processes.js'
import { LocalRateLimiter } from './rate-limiter.js'
import { RedisRateLimiter } from './redis-rate-limiter.js'

const needsRedis = needsServices('redis')

describe('rate limits shared through Redis', needsRedis, () => {
  let services: TestServices
  let a: RedisHandle
  let b: RedisHandle
  before(async () => {
    services = await createTestServices()
    const opts = { url: services.env['REDIS_URL']!, keyPrefix: services.env['REDIS_KEY_PREFIX']! }
    a = connectRedis(opts)
    b = connectRedis(opts)
    await Promise.all([waitUntilReady(a), waitUntilReady(b)])
  })
  after(async () => {
    await Promise.all([a.close(), b.close()])
    await services.drop()
  })

  const policy = { rate: 1, burst: 3 }
  const local = () => new LocalRateLimiter(policy, () => new ManualClock(0).now())

  test('two instances draw on one bucket per client', async () => {
    const one = new RedisRateLimiter(a, 'user', policy, local())
    const two = new RedisRateLimiter(b, 'user', policy, local())
    const first = await one.take('42')
    assert.deepEqual([first.allowed, first.remaining], [true, 2])
    assert.equal((await two.take('42')).allowed, true)
    assert.equal((await one.take('42')).allowed, true)
    const refused = await two.take('42')
    assert.equal(refused.allowed, false, 'the burst of 3 is shared, not 3 per instance')
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 1_000, `${refused.retryAfterMs}`)
    assert.equal((await two.take('43')).allowed, true, 'another client has its own bucket')
  })

  test('a refused client is refused locally until its wait is over, then Redis decides again', async () => {
    const clock = new ManualClock(1_000)
    const limiter = new RedisRateLimiter(a, 'user', { rate: 0.01, burst: 1 }, local(), {
      now: () => clock.now(),
    })
    assert.equal((await limiter.take('77')).allowed, true)
    const refused = await limiter.take('77')
    assert.equal(refused.allowed, false)
    assert.ok(refused.retryAfterMs > 99_000, `${refused.retryAfterMs}`)
    // Were Redis asked, it would now allow: the bucket is gone. The instance remembers the refusal.
    await a.client.del(a.key('rate', 'user', '77'))
    clock.advance(50_000)
    assert.deepEqual(limiter.knownRefusal('77')?.allowed, false, 'the edge may answer it (edge.ts)')
    assert.equal(limiter.knownRefusal('78'), undefined, 'a client Redis never refused is not known')
    const remembered = limiter.take('77')
    assert.ok(!(remembered instanceof Promise), 'answered without a round trip')
    assert.equal(remembered.allowed, false)
    assert.ok(Math.abs(remembered.retryAfterMs - (refused.retryAfterMs - 50_000)) < 1)
    clock.advance(refused.retryAfterMs - 50_000)
    assert.equal(limiter.knownRefusal('77'), undefined, 'no longer known: Redis decides')
    const again = await limiter.take('77')
    assert.equal(
      again.allowed,
      true,
      `the wait is over: Redis is asked again (${JSON.stringify(again)}, ${JSON.stringify(refused)})`,
    )
  })

  test('without Redis each instance falls back to its own limiter and never refuses for want of Redis', async () => {
    const dead = connectRedis({ url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: 'x:' })
    const failures: Error[] = []
    try {
      const limiter = new RedisRateLimiter(dead, 'ip', policy, local(), {
        onDegraded: (e) => failures.push(e),
      })
      const answers = await Promise.all([1, 2, 3, 4].map(() => limiter.take('10.0.0.1')))
      assert.deepEqual(
        answers.map((d) => d.allowed),
        [true, true, true, false],
        'the in-process limiter applies the same policy',
      )
    } finally {
      dead.client.disconnect()
    }
  })
})
