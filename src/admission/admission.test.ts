import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestApp, type TestApp } from '../testing/harness.js'
import type { Ticket } from './index.js'

/** The table: checkout is critical, claims and charges important, browsing sheddable. */
const expectedClasses: Record<string, string> = {
  'POST /api/v1/orders': 'critical',
  'POST /api/v1/orders/:orderId/payment': 'critical',
  'POST /api/v1/orders/:orderId/cancel': 'critical',
  'POST /api/v1/coupons/:couponId/issue': 'important',
  'POST /api/v1/points/users/:userId/charge': 'important',
  'POST /api/v1/admin/products': 'important',
  'PATCH /api/v1/admin/products/:productId': 'important',
  'POST /api/v1/admin/products/:productId/stock': 'important',
  'POST /api/v1/admin/coupons': 'important',
  'POST /api/v1/admin/coupons/:couponId/grants': 'important',
  'POST /api/v1/demo/sign-in': 'important',
  'GET /api/v1/products': 'sheddable',
  'GET /api/v1/products/:productId': 'sheddable',
  'GET /api/v1/products/top': 'sheddable',
  'GET /api/v1/coupons': 'sheddable',
  'GET /api/v1/coupons/:couponId': 'sheddable',
  'GET /api/v1/coupons/users/:userId': 'sheddable',
  'GET /api/v1/orders/:orderId': 'sheddable',
  'GET /api/v1/orders/users/:userId': 'sheddable',
  'GET /api/v1/points/users/:userId': 'sheddable',
  'GET /api/v1/points/users/:userId/history': 'sheddable',
  // The ops page polls it: under pressure the shop comes first, the chart can skip a beat.
  'GET /api/v1/admin/ops/timeline': 'sheddable',
}

/** Lets in-flight requests reach the admission hook (token checks take a few turns of the loop). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve))
  assert.ok(condition(), 'the requests never reached the queue')
}

describe('admission over HTTP', () => {
  test('every API route has a class, and it matches the table (aliases inherit their successor’s)', async () => {
    const t = await startTestApp()
    try {
      const routes = t.runtime.admission!.routes
      const v1 = Object.fromEntries(
        [...routes].filter(([k]) => / \/api\/v1\//.test(k) && !k.startsWith('HEAD')),
      )
      assert.deepEqual(v1, expectedClasses)
      assert.equal(routes.get('POST /api/orders'), 'critical')
      assert.equal(routes.get('GET /api/products/popular'), 'sheddable')
    } finally {
      await t.close()
    }
  })

  describe('rate limits', () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp({
        RATE_LIMIT_USER_RATE: '1',
        RATE_LIMIT_USER_BURST: '2',
        RATE_LIMIT_IP_RATE: '2',
        RATE_LIMIT_IP_BURST: '3',
      })
    })
    after(() => t.close())

    test('a user past its burst gets 429 with Retry-After and RateLimit headers, then recovers', async () => {
      const token = await t.token(7)
      const ok = await t.call('GET', '/api/v1/points/users/7', { token })
      assert.equal(ok.statusCode, 200)
      assert.equal(ok.headers['ratelimit-limit'], '2')
      assert.equal(ok.headers['ratelimit-remaining'], '1')
      assert.equal((await t.call('GET', '/api/v1/points/users/7', { token })).statusCode, 200)
      const refused = await t.call('GET', '/api/v1/points/users/7', { token })
      assert.equal(refused.statusCode, 429)
      assert.match(String(refused.headers['content-type']), /^application\/problem\+json/)
      assert.equal(refused.json().code, 'RATE_LIMITED')
      assert.equal(refused.headers['retry-after'], '1')
      assert.equal(refused.headers['ratelimit-remaining'], '0')
      assert.equal(refused.headers['ratelimit-reset'], '2')
      const other = await t.call('GET', '/api/v1/points/users/8', { token: await t.token(8) })
      assert.equal(other.statusCode, 200, 'another user has its own bucket, though on the same IP')
      // In-process limits follow the injected clock; shared ones (test:services) Redis's own.
      if (t.runtime.services.redis) return
      t.clock.advance(1_000)
      assert.equal((await t.call('GET', '/api/v1/points/users/7', { token })).statusCode, 200)
    })

    test('an operator is not throttled like a shopper (seeding a sale charges thousands of wallets)', async () => {
      const admin = await t.adminToken()
      const statuses: number[] = []
      for (let i = 0; i < 6; i++)
        statuses.push((await t.call('GET', '/api/v1/points/users/9', { token: admin })).statusCode)
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200])
    })

    test('anonymous callers are limited per IP, before the route does any work', async () => {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await t.call('GET', '/api/v1/products')).statusCode)
      assert.deepEqual(statuses, [200, 200, 200, 429])
      const metrics = (await t.call('GET', '/metrics')).body
      assert.match(metrics, /floodgate_rate_limited_total\{scope="ip"\} 1/)
      assert.match(metrics, /floodgate_rate_limited_total\{scope="user"\} 1/)
      const health = await t.call('GET', '/health/live')
      assert.equal(health.statusCode, 200, 'health, metrics and docs are never limited')
    })
  })

  describe('concurrency', () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp({ ADMISSION_MAX_CONCURRENCY: '1' })
    })
    after(() => t.close())

    /** Occupies the only slot, as a slow request would. */
    const hold = () => t.runtime.admission!.limiter.acquire('critical', Number.POSITIVE_INFINITY) as Ticket

    test('a request that waited past the queue timeout is refused with 503 OVERLOADED and Retry-After', async () => {
      const ticket = hold()
      try {
        const pending = t.call('GET', '/api/v1/products')
        await until(() => t.runtime.admission!.limiter.queued === 1)
        t.clock.advance(250)
        t.runtime.admission!.limiter.expire()
        const res = await pending
        assert.equal(res.statusCode, 503)
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
        assert.equal(res.headers['retry-after'], '1')
        assert.equal(res.json().code, 'OVERLOADED')
        assert.equal(res.json().reason, 'queue_timeout')
      } finally {
        t.runtime.admission!.limiter.release(ticket, 'test')
      }
      const metrics = (await t.call('GET', '/metrics')).body
      assert.match(
        metrics,
        /floodgate_admission_rejected_total\{reason="queue_timeout",class="sheddable"\} 1/,
      )
      assert.match(metrics, /floodgate_admission_limit 1/)
      assert.match(metrics, /floodgate_admission_in_service 0/)
      assert.match(metrics, /floodgate_admission_queue_seconds_count\{class="critical"\} 1/)
    })

    test('a freed slot goes to the order, not to the read that queued first', async () => {
      const token = await t.token(1)
      const product = await t.createProduct({ stock: 5 })
      await t.charge(1, 100_000)
      const ticket = hold()
      const order: string[] = []
      const read = t.call('GET', '/api/v1/products').then((r) => order.push(`read ${r.statusCode}`))
      const buy = t
        .call('POST', '/api/v1/orders', {
          token,
          body: { userId: 1, items: [{ productId: product.id, quantity: 1 }] },
        })
        .then((r) => order.push(`order ${r.statusCode}`))
      await until(() => t.runtime.admission!.limiter.queued === 2)
      t.runtime.admission!.limiter.release(ticket, 'test')
      await Promise.all([read, buy])
      assert.deepEqual(order, ['order 201', 'read 200'])
      await t.invariants()
    })

    test('an overloaded server refuses before it parses the body; catalog reads get their last answer', async () => {
      const limiter = t.runtime.admission!.limiter
      const fresh = await t.call('GET', '/api/v1/products?limit=3')
      assert.equal(fresh.statusCode, 200)
      const ticket = hold()
      const standing = limiter.acquire('critical', Number.POSITIVE_INFINITY) as Promise<Ticket>
      t.clock.advance(150) // the queue has stood for longer than CoDel's interval: overload
      const claim = t.call('POST', '/api/v1/coupons/1/issue', {
        token: await t.token(2),
        body: '{"this is": not json',
        headers: { 'content-type': 'application/json' },
      })
      const res = await claim
      assert.equal(res.statusCode, 503, 'refused as overloaded, not as malformed JSON (400)')
      assert.equal(res.json().reason, 'limit', 'in overload, with checkout waiting, on the spot')
      assert.equal(limiter.queued, 1)
      const reads = await t.call('GET', '/api/v1/products?limit=7')
      assert.equal(reads.json().reason, 'limit', 'in overload a sheddable request is refused on the spot')
      assert.ok(reads.headers['retry-after'])
      const stale = await t.call('GET', '/api/v1/products?limit=3')
      assert.equal(stale.statusCode, 200, 'a catalog read answered before gets its last good answer')
      assert.equal(stale.headers['floodgate-stale'], 'overloaded')
      assert.equal(stale.body, fresh.body)
      assert.match(
        (await t.call('GET', '/metrics')).body,
        /floodgate_admission_served_stale_total\{class="sheddable"\} 1/,
      )
      limiter.release(ticket, 'test')
      limiter.release(await standing, 'test')
      assert.equal(limiter.inService, 0)
    })
  })

  test('while the database breaker is open, writes fail fast and reads are still tried', async () => {
    const t = await startTestApp()
    try {
      const breaker = t.runtime.admission!.database
      const token = await t.token(3)
      for (let i = 0; i < 5; i++) breaker.failure() // as five requests meeting a dead database would
      const refused = await t.call('POST', '/api/v1/points/users/3/charge', {
        token,
        body: { amount: 5_000 },
      })
      assert.equal(refused.statusCode, 503)
      assert.equal(refused.json().code, 'DATABASE_UNAVAILABLE')
      assert.equal(refused.headers['retry-after'], '5')
      assert.equal((await t.call('GET', '/api/v1/products')).statusCode, 200)
      assert.match(
        (await t.call('GET', '/metrics')).body,
        /floodgate_breaker_state\{dependency="database"\} 2/,
      )
      t.clock.advance(5_000) // half-open: the next write is the probe, and it succeeds
      const probe = await t.call('POST', '/api/v1/points/users/3/charge', { token, body: { amount: 5_000 } })
      assert.equal(probe.statusCode, 200)
      assert.equal(breaker.state, 'closed')
      assert.equal(t.runtime.admission!.limiter.inService, 0)
    } finally {
      await t.close()
    }
  })

  test('while the database breaker is open, the catalog is served stale and says so', async () => {
    const t = await startTestApp()
    try {
      const product = await t.createProduct({ name: 'Kettle', stock: 3 })
      const fresh = await t.call('GET', `/api/v1/products/${product.id}`)
      const list = await t.call('GET', '/api/v1/products?limit=5')
      assert.equal(fresh.headers['floodgate-stale'], undefined)
      for (let i = 0; i < 5; i++) t.runtime.admission!.database.failure()
      t.clock.advance(3_000)
      const stale = await t.call('GET', `/api/v1/products/${product.id}`)
      assert.equal(stale.statusCode, 200)
      assert.equal(stale.body, fresh.body)
      assert.equal(stale.headers['floodgate-stale'], 'database unavailable')
      assert.equal(stale.headers['age'], '3')
      assert.equal((await t.call('GET', '/api/v1/products?limit=5')).body, list.body)
      const unseen = await t.call('GET', '/api/v1/products?limit=6')
      assert.equal(unseen.statusCode, 200, 'a URL never served before is tried against the database')
      assert.equal(unseen.headers['floodgate-stale'], undefined)
    } finally {
      await t.close()
    }
  })

  test('FLOODGATE_ADMISSION=off removes the pipeline', async () => {
    const t = await startTestApp({ FLOODGATE_ADMISSION: 'off' })
    try {
      assert.equal(t.runtime.admission, undefined)
      const res = await t.call('GET', '/api/v1/products')
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['ratelimit-limit'], undefined)
      assert.doesNotMatch((await t.call('GET', '/metrics')).body, /floodgate_admission_limit/)
    } finally {
      await t.close()
    }
  })
})
