import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { needsServerDatabase } from '../testing/backend.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { batcherFor } from './index.js'

describe('batched order placement (server database)', needsServerDatabase, () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())

  const order = async (userId: number, items: { productId: number; quantity: number }[]) =>
    t.call('POST', '/api/v1/orders', { token: await t.token(userId), body: { userId, items } })

  test('concurrent orders share transactions, and each answer matches its rows', async () => {
    const a = await t.createProduct({ price: 700, stock: 1_000 })
    const b = await t.createProduct({ price: 1_100, stock: 1_000 })
    for (let u = 1; u <= 40; u++) await t.charge(u, 100_000)
    const stats = batcherFor(t.runtime.db)!.stats
    const before = { ...stats }
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        order(1 + (i % 40), [
          { productId: a.id, quantity: 1 + (i % 3) },
          ...(i % 2 ? [{ productId: b.id, quantity: 1 }] : []),
        ]),
      ),
    )
    assert.ok(answers.every((r) => r.statusCode === 201))
    // A batch that loses a deadlock three times hands its orders to the single path; they still succeed.
    assert.equal(stats.placed - before.placed + (stats.handedBack - before.handedBack), 120)
    assert.ok(
      stats.batches - before.batches < stats.placed - before.placed,
      'transactions placed several orders each',
    )
    const db = t.runtime.db
    for (const res of answers) {
      const body = res.json()
      const row = await db
        .selectFrom('orders')
        .selectAll()
        .where('id', '=', body.id)
        .executeTakeFirstOrThrow()
      assert.equal(Number(row.user_id), body.userId)
      assert.equal(Number(row.pay_amount), body.payAmount)
      const items = await db.selectFrom('order_items').selectAll().where('order_id', '=', body.id).execute()
      assert.deepEqual(
        items.map((i) => [Number(i.product_id), Number(i.quantity)]).sort(),
        body.items.map((i: { productId: number; quantity: number }) => [i.productId, i.quantity]).sort(),
      )
      const payment = await db
        .selectFrom('point_transactions')
        .selectAll()
        .where('order_id', '=', body.id)
        .executeTakeFirstOrThrow()
      assert.equal(Number(payment.amount), -body.payAmount)
      assert.equal(Number(payment.user_id), body.userId)
    }
    await t.invariants()
  })

  test('orders a batch cannot place get their exact errors; the rest of the batch is placed', async () => {
    // Enough stock that the Redis stock gate (production mode) never turns an order away because of
    // units reserved by orders that then fail.
    const p = await t.createProduct({ price: 10_000, stock: 10 })
    await t.charge(100, 15_000) // enough for one
    await t.charge(101, 200_000)
    const answers = await Promise.all([
      order(100, [{ productId: p.id, quantity: 1 }]),
      order(100, [{ productId: p.id, quantity: 1 }]), // the same wallet, now short
      order(102, [{ productId: p.id, quantity: 1 }]), // no wallet at all
      order(101, [{ productId: 999_999, quantity: 1 }]), // unknown product
      order(101, [{ productId: p.id, quantity: 11 }]), // more than the shelf
      order(101, [{ productId: p.id, quantity: 2 }]),
    ])
    const outcomes = answers.map((r) => (r.statusCode === 201 ? '201' : r.json().code))
    // User 100's two orders race for one order's worth of points: either may win.
    assert.deepEqual(outcomes.slice(0, 2).sort(), ['201', 'INSUFFICIENT_POINTS'])
    assert.deepEqual(outcomes.slice(2), ['INSUFFICIENT_POINTS', 'NOT_FOUND', 'INSUFFICIENT_STOCK', '201'])
    const wallet = await t.call('GET', '/api/v1/points/users/101', { token: await t.token(101) })
    assert.equal(wallet.json().balance, 180_000)
    await t.invariants()
  })

  test('orders to pay later join the batches: pending, no wallet touched, no paid event', async () => {
    const p = await t.createProduct({ price: 900, stock: 1_000 })
    for (let u = 300; u < 310; u++) await t.charge(u, 50_000)
    const stats = batcherFor(t.runtime.db)!.stats
    const before = { ...stats }
    // Users 310-319 have no wallet at all: paying later needs none.
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const userId = 300 + (i % 20)
        const payment = userId >= 310 || i % 2 ? 'LATER' : 'POINTS'
        return t.call('POST', '/api/v1/orders', {
          token: await t.token(userId),
          body: { userId, items: [{ productId: p.id, quantity: 1 }], payment },
        })
      }),
    )
    assert.deepEqual(
      answers.map((r) => r.statusCode),
      answers.map(() => 201),
    )
    assert.equal(stats.placed - before.placed + (stats.handedBack - before.handedBack), 40)
    assert.ok(stats.batches - before.batches < stats.placed - before.placed, 'orders shared transactions')
    const db = t.runtime.db
    const later = answers.map((r) => r.json()).filter((o) => o.status === 'PENDING_PAYMENT')
    assert.equal(later.length, 30)
    for (const order of later) {
      assert.equal(order.expiresAt, new Date(t.clock.now() + 10 * 60_000).toISOString())
      const row = await db
        .selectFrom('orders')
        .selectAll()
        .where('id', '=', order.id)
        .executeTakeFirstOrThrow()
      assert.equal(row.status, 'PENDING_PAYMENT')
      assert.equal(row.paid_at, null)
      assert.equal(Number(row.expires_at), t.clock.now() + 10 * 60_000)
      const payments = await db
        .selectFrom('point_transactions')
        .select('id')
        .where('order_id', '=', order.id)
        .execute()
      assert.equal(payments.length, 0)
      const events = await db
        .selectFrom('outbox')
        .select('type')
        .where('aggregate_id', '=', order.id)
        .execute()
      assert.deepEqual(
        events.map((e) => e.type),
        ['order.placed'],
      )
    }
    // Only the orders paid now moved a wallet: 5 users paid for 10 orders between them.
    for (let u = 300; u < 310; u++) {
      const wallet = await t.call('GET', `/api/v1/points/users/${u}`, { token: await t.token(u) })
      const paidNow = answers.map((r) => r.json()).filter((o) => o.userId === u && o.status === 'PAID')
      assert.equal(wallet.json().balance, 50_000 - 900 * paidNow.length)
    }
    // A batch-written pending order is paid like any other.
    const first = later.find((o) => o.userId >= 310)!
    const refused = await t.call('POST', `/api/v1/orders/${first.id}/payment`, {
      token: await t.token(first.userId),
      body: {},
    })
    assert.equal(refused.json().code, 'INSUFFICIENT_POINTS', 'users 310+ have no points to pay with')
    const payable = later.find((o) => o.userId < 310)!
    const ok = await t.call('POST', `/api/v1/orders/${payable.id}/payment`, {
      token: await t.token(payable.userId),
      body: {},
    })
    assert.equal(ok.statusCode, 200)
    assert.equal(ok.json().status, 'PAID')
    await t.invariants()
  })
})
