import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { loadConfig } from './config/index.js'
import { ManualClock, SECOND } from './platform/clock/index.js'
import { createRuntime, type Runtime } from './runtime.js'
import {
  createTestDatabase,
  createTestServices,
  needsServices,
  type TestDatabase,
  type TestServices,
} from './testing/backend.js'
import { startTestApp, TEST_SECRET, type TestApp, testConfig } from './testing/harness.js'

const needsMysqlAndRedis = needsServices('mysql', 'redis')

describe('with Redis and NATS unreachable', () => {
  let t: TestApp
  before(async () => {
    // Nothing listens on port 1: both services refuse at once, as after a crash.
    t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1', NATS_URL: 'nats://127.0.0.1:1' })
  })
  after(() => t.close())

  test('orders, coupons and reads work on the database alone; events wait in the outbox', async () => {
    const p = await t.createProduct({ stock: 2 })
    const c = await t.createCoupon({ totalQuantity: 1 })
    await t.charge(1, 100_000)
    const token = await t.token(1)
    const order = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 1, items: [{ productId: p.id, quantity: 2 }] },
    })
    assert.equal(order.statusCode, 201, order.body)
    const soldOut = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 1, items: [{ productId: p.id, quantity: 1 }] },
    })
    assert.equal(soldOut.json().code, 'INSUFFICIENT_STOCK')
    assert.equal((await t.call('GET', `/api/v1/products/${p.id}`)).json().stock, 0)
    const issue = () => t.call('POST', `/api/v1/coupons/${c.id}/issue`, { token, body: { userId: 1 } })
    assert.equal((await issue()).statusCode, 201)
    assert.equal((await issue()).json().code, 'COUPON_ALREADY_ISSUED')
    assert.equal((await t.call('GET', '/api/v1/products/top')).statusCode, 200)

    await t.runtime.relay.flush().catch(() => 0)
    assert.equal(await t.runtime.relay.backlog(), 2, 'order.placed and order.paid are kept, not lost')
    await t.invariants()
  })

  test('readiness says degraded, not unavailable: the instance keeps serving', async () => {
    const res = await t.call('GET', '/health/ready')
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.equal(body.status, 'ok')
    assert.equal(body.degraded, true)
    assert.equal(body.checks.database.status, 'up')
    assert.equal(body.checks.redis.status, 'down')
    assert.equal(body.checks.broker.status, 'down')
    assert.equal(body.checks.outbox.status, 'up')
  })
})

describe('two instances sharing MariaDB and Redis', needsMysqlAndRedis, () => {
  let database: TestDatabase
  let services: TestServices
  let a: Runtime
  let b: Runtime
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00.000Z'))
  before(async () => {
    database = await createTestDatabase()
    services = await createTestServices()
    const config = testConfig(database.url, { ...services.env, NATS_URL: '' })
    a = await createRuntime(config, { clock, background: false, defaultMetrics: false })
    b = await createRuntime(config, { clock, background: false, defaultMetrics: false })
  })
  after(async () => {
    await Promise.all([a?.close(), b?.close()])
    await Promise.all([database?.drop(), services?.drop()])
  })

  const inject = (runtime: Runtime, method: 'GET' | 'POST', url: string, body?: object, token?: string) =>
    runtime.app.inject({
      method,
      url,
      ...(body ? { payload: body } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
  const mint = async (userId: number, role: 'customer' | 'admin' = 'customer') => {
    const { mintToken } = await import('./auth/index.js')
    return mintToken(TEST_SECRET, { userId, role, now: clock.now(), ttlSeconds: 3600 })
  }

  test('a product read cached by one instance reflects a sale on the other at once', async () => {
    const admin = await mint(9000, 'admin')
    const created = await inject(
      a,
      'POST',
      '/api/v1/admin/products',
      { name: 'x', price: 100, stock: 5 },
      admin,
    )
    const id = created.json().id
    assert.equal((await inject(a, 'GET', `/api/v1/products/${id}`)).json().stock, 5)
    assert.equal((await inject(a, 'GET', `/api/v1/products/${id}`)).json().stock, 5, 'served from Redis')
    const buyer = await mint(1)
    await inject(b, 'POST', '/api/v1/points/users/1/charge', { amount: 10_000 }, buyer)
    const order = await inject(
      b,
      'POST',
      '/api/v1/orders',
      { userId: 1, items: [{ productId: id, quantity: 2 }] },
      buyer,
    )
    assert.equal(order.statusCode, 201, order.body)
    assert.equal((await inject(a, 'GET', `/api/v1/products/${id}`)).json().stock, 3)
  })

  test('top products: 200 readers across both instances during an expiry cost one query', async () => {
    const computations = async () =>
      (await a.metrics.topProductsComputations.get()).values[0]!.value +
      (await b.metrics.topProductsComputations.get()).values[0]!.value
    await inject(a, 'GET', '/api/v1/products/top') // warm
    const before = await computations()
    clock.advance(10 * SECOND) // past the 5 s staleness bound: the cached list is expired
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => inject(i % 2 ? a : b, 'GET', '/api/v1/products/top')),
    )
    assert.ok(answers.every((r) => r.statusCode === 200))
    assert.equal((await computations()) - before, 1)
  })
})

test('the shared services are configured from the environment only', () => {
  const config = loadConfig({
    REDIS_URL: 'redis://r:6379',
    NATS_URL: 'nats://n:4222',
    JWT_SECRET: TEST_SECRET,
  })
  assert.deepEqual(config.redis, { url: 'redis://r:6379', keyPrefix: 'floodgate:' })
  assert.deepEqual(config.nats, {
    url: 'nats://n:4222',
    stream: 'FLOODGATE_ORDERS',
    subjectPrefix: 'floodgate',
  })
})
