import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { HOUR } from '../platform/clock/index.js'
import { needsServerDatabase } from '../testing/backend.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { keyBatcherFor } from './idempotency.js'
import { findKey } from './idempotency-store.js'

// Checkout routes write the Idempotency-Key and its answer in the order's own transaction
// (keyWithResult). These run on SQLite in `npm test` and on MariaDB in the services pass.
describe('Idempotency-Key written with the result (checkout)', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  const order = async (userId: number, productId: number, key: string, quantity = 1) =>
    t.call('POST', '/api/v1/orders', {
      token: await t.token(userId),
      body: { userId, items: [{ productId, quantity }] },
      headers: { 'idempotency-key': key },
    })
  const stockOf = async (productId: number) =>
    (await t.call('GET', `/api/v1/products/${productId}`)).json().stock as number
  const ordersOf = async (userId: number) =>
    (await t.call('GET', `/api/v1/orders/users/${userId}`, { token: await t.token(userId) })).json()
      .items as unknown[]

  test('the key is stored DONE with the exact answer the client got', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    await t.charge(101, 10_000)
    const first = await order(101, p.id, 'w-1')
    assert.equal(first.statusCode, 201)
    const row = await findKey(t.runtime.db, { user_id: 101, scope: 'POST /api/v1/orders', idem_key: 'w-1' })
    assert.equal(row?.state, 'DONE')
    assert.equal(Number(row?.status_code), 201)
    assert.equal(row?.response_body, first.body)
    const again = await order(101, p.id, 'w-1')
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(again.body, first.body)
    assert.equal(again.headers['content-type'], first.headers['content-type'])
  })

  test('a retry of a placed order replays it even though the shelf is now empty', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 1 })
    await t.charge(102, 10_000)
    const first = await order(102, p.id, 'last-one')
    assert.equal(first.statusCode, 201)
    const retry = await order(102, p.id, 'last-one')
    assert.equal(retry.statusCode, 201, retry.body)
    assert.equal(retry.headers['idempotent-replayed'], 'true')
    assert.equal(retry.json().id, first.json().id)
    assert.equal((await ordersOf(102)).length, 1)
  })

  test('a retry of a placed order replays it even though the wallet is now too short', async () => {
    const p = await t.createProduct({ price: 6_000, stock: 10 })
    await t.charge(103, 10_000)
    const first = await order(103, p.id, 'spent')
    assert.equal(first.statusCode, 201)
    const retry = await order(103, p.id, 'spent')
    assert.equal(retry.statusCode, 201, retry.body)
    assert.equal(retry.headers['idempotent-replayed'], 'true')
    const wallet = (await t.call('GET', '/api/v1/points/users/103', { token: await t.token(103) })).json()
    assert.equal(wallet.balance, 4_000)
  })

  test('parallel retries of one key place one order, and every retry gets its answer', async () => {
    const p = await t.createProduct({ price: 100, stock: 1_000 })
    const users = [111, 112, 113, 114, 115, 116, 117, 118]
    for (const u of users) await t.charge(u, 10_000)
    const before = await stockOf(p.id)
    const answers = await Promise.all(
      users.flatMap((u) => Array.from({ length: 5 }, () => order(u, p.id, `hammer-${u}`))),
    )
    for (const a of answers) assert.equal(a.statusCode, 201, a.body)
    for (const u of users) {
      const mine = answers.filter((a) => a.json().userId === u)
      assert.equal(mine.length, 5)
      assert.equal(new Set(mine.map((a) => a.json().id)).size, 1, `user ${u} got one order id`)
      assert.equal(mine.filter((a) => a.headers['idempotent-replayed'] === undefined).length, 1)
      assert.equal((await ordersOf(u)).length, 1, `user ${u} has exactly one order`)
    }
    assert.equal(await stockOf(p.id), before - users.length)
  })

  test('paying and cancelling twice with one key replay the first answer', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    await t.charge(104, 10_000)
    const token = await t.token(104)
    const placed = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 104, items: [{ productId: p.id, quantity: 1 }], payment: 'LATER' },
    })
    const id = placed.json().id
    const pay = () =>
      t.call('POST', `/api/v1/orders/${id}/payment`, { token, headers: { 'idempotency-key': 'pay-104' } })
    const cancel = () =>
      t.call('POST', `/api/v1/orders/${id}/cancel`, { token, headers: { 'idempotency-key': 'cancel-104' } })
    const paid = await pay()
    assert.equal(paid.statusCode, 200, paid.body)
    const paidAgain = await pay()
    assert.equal(paidAgain.headers['idempotent-replayed'], 'true')
    assert.equal(paidAgain.body, paid.body)
    const cancelled = await cancel()
    assert.equal(cancelled.json().status, 'CANCELLED')
    const cancelledAgain = await cancel()
    assert.equal(cancelledAgain.statusCode, 200, cancelledAgain.body)
    assert.equal(cancelledAgain.headers['idempotent-replayed'], 'true')
    const wallet = (await t.call('GET', '/api/v1/points/users/104', { token })).json()
    assert.equal(wallet.balance, 10_000, 'paid once, refunded once')
  })

  test('of two keyed orders one wallet pays for, the other is refused, and its retry replays the refusal', async () => {
    const p = await t.createProduct({ price: 6_000, stock: 10 })
    await t.charge(108, 10_000)
    const [a, b] = await Promise.all([order(108, p.id, 'pair-a'), order(108, p.id, 'pair-b')])
    const statuses = [a.statusCode, b.statusCode].sort()
    assert.deepEqual(statuses, [201, 409])
    const refused = a.statusCode === 409 ? 'pair-a' : 'pair-b'
    const retry = await order(108, p.id, refused)
    assert.equal(retry.statusCode, 409)
    assert.equal(retry.json().code, 'INSUFFICIENT_POINTS')
    assert.equal(retry.headers['idempotent-replayed'], 'true')
    assert.equal((await ordersOf(108)).length, 1)
  })

  test('paying an order that expired is refused with its key, and the retry replays the refusal', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    await t.charge(109, 10_000)
    const token = await t.token(109)
    const placed = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 109, items: [{ productId: p.id, quantity: 1 }], payment: 'LATER' },
    })
    t.clock.advance(24 * HOUR)
    const pay = () =>
      t.call('POST', `/api/v1/orders/${placed.json().id}/payment`, {
        token,
        headers: { 'idempotency-key': 'late' },
      })
    const first = await pay()
    assert.equal(first.json().code, 'ORDER_EXPIRED')
    const again = await pay()
    assert.equal(again.json().code, 'ORDER_EXPIRED')
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.equal(await stockOf(p.id), 10, 'the expiry gave the stock back')
  })

  test('a key still claimed by a running request refuses the order and leaves no trace', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    await t.charge(105, 10_000)
    await t.runtime.db
      .insertInto('idempotency_keys')
      .values({
        user_id: 105,
        scope: 'POST /api/v1/orders',
        idem_key: 'running',
        request_hash: 'x',
        state: 'IN_PROGRESS',
        status_code: null,
        content_type: null,
        response_body: null,
        created_at: t.clock.now(),
        expires_at: t.clock.now() + 24 * HOUR,
        claim_token: 'elsewhere',
      })
      .execute()
    const refused = await order(105, p.id, 'running')
    assert.equal(refused.json().code, 'IDEMPOTENCY_KEY_IN_PROGRESS')
    assert.equal(await stockOf(p.id), 10)
    assert.equal((await ordersOf(105)).length, 0)
  })

  test('an expired answer is replaced: the order runs again', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    await t.charge(106, 10_000)
    assert.equal((await order(106, p.id, 'old')).statusCode, 201)
    t.clock.advance(24 * HOUR + 1)
    const fresh = await order(106, p.id, 'old')
    assert.equal(fresh.statusCode, 201)
    assert.equal(fresh.headers['idempotent-replayed'], undefined)
    assert.equal(await stockOf(p.id), 8)
  })

  test(
    'a server database writes no key statements of its own for checkout',
    needsServerDatabase,
    async () => {
      const batcher = keyBatcherFor(t.runtime.db)!
      const p = await t.createProduct({ price: 100, stock: 100 })
      await t.charge(107, 10_000)
      const before = { ...batcher.stats }
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => order(107, p.id, `quiet-${i}`)))
      for (const a of answers) assert.equal(a.statusCode, 201)
      assert.deepEqual(batcher.stats, before, 'no claims or answers went through the key batcher')
    },
  )
})
