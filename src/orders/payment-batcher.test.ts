import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { needsServerDatabase } from '../testing/backend.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { paymentBatcherFor } from './index.js'

describe('batched payments (server database)', needsServerDatabase, () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())

  const orderLater = async (userId: number, productId: number) => {
    const res = await t.call('POST', '/api/v1/orders', {
      token: await t.token(userId),
      body: { userId, items: [{ productId, quantity: 1 }], payment: 'LATER' },
    })
    assert.equal(res.statusCode, 201)
    return res.json() as { id: number; userId: number }
  }
  const pay = async (userId: number, orderId: number) =>
    t.call('POST', `/api/v1/orders/${orderId}/payment`, { token: await t.token(userId), body: {} })

  test('concurrent payments share transactions; the ones a batch cannot make get their exact errors', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 1_000 })
    for (let u = 400; u < 420; u++) await t.charge(u, 10_000)
    await t.charge(420, 1_500) // enough for one of its two orders
    const orders = []
    for (let u = 400; u < 420; u++) orders.push(await orderLater(u, p.id))
    const poor = [await orderLater(420, p.id), await orderLater(420, p.id)]
    const stats = paymentBatcherFor(t.runtime.db)!.stats
    const before = { ...stats }
    const [stranger, twice, ...answers] = await Promise.all([
      pay(401, orders[0]!.id), // someone else's order: 404, and it stays payable
      pay(orders[1]!.userId, orders[1]!.id), // the same order paid twice at once
      ...orders.slice(1).map((o) => pay(o.userId, o.id)),
      ...poor.map((o) => pay(420, o.id)),
      pay(400, 999_999), // no such order
    ])
    assert.equal(stranger!.json().code, 'NOT_FOUND')
    const unknown = answers.pop()!
    assert.equal(unknown.json().code, 'NOT_FOUND')
    const poorAnswers = answers.splice(-2)
    assert.deepEqual(poorAnswers.map((r) => r.statusCode).sort(), [200, 409])
    assert.equal(poorAnswers.find((r) => r.statusCode === 409)!.json().code, 'INSUFFICIENT_POINTS')
    // One order paid twice at once: one payment wins, the other is refused.
    const both = [twice!, answers.shift()!].map((r) => (r.statusCode === 200 ? 'PAID' : r.json().code))
    assert.deepEqual(both.sort(), ['ORDER_NOT_PAYABLE', 'PAID'])
    assert.ok(answers.every((r) => r.statusCode === 200 && r.json().status === 'PAID'))
    assert.ok(stats.placed - before.placed >= 10, 'payments went through the batcher')
    assert.ok(stats.batches - before.batches < stats.placed - before.placed, 'payments shared transactions')

    const db = t.runtime.db
    for (const res of [
      ...answers,
      ...[twice!].filter((r) => r.statusCode === 200),
      poorAnswers.find((r) => r.statusCode === 200)!,
    ]) {
      const order = res.json()
      assert.equal(order.paidAt, new Date(t.clock.now()).toISOString())
      assert.equal(order.items.length, 1)
      const history = await db
        .selectFrom('point_transactions')
        .selectAll()
        .where('order_id', '=', order.id)
        .execute()
      assert.deepEqual(
        history.map((h) => [h.type, Number(h.amount), Number(h.user_id)]),
        [['PAYMENT', -1_000, order.userId]],
      )
      const events = await db
        .selectFrom('outbox')
        .select('type')
        .where('aggregate_id', '=', order.id)
        .execute()
      assert.deepEqual(events.map((e) => e.type).sort(), ['order.paid', 'order.placed'])
    }
    for (let u = 401; u < 420; u++) {
      const wallet = await t.call('GET', `/api/v1/points/users/${u}`, { token: await t.token(u) })
      assert.equal(wallet.json().balance, 9_000)
    }
    const untouched = await t.call('GET', `/api/v1/points/users/400`, { token: await t.token(400) })
    assert.equal(untouched.json().balance, 10_000, 'a stranger cannot pay with or for user 400')
    const poorWallet = await t.call('GET', `/api/v1/points/users/420`, { token: await t.token(420) })
    assert.equal(poorWallet.json().balance, 500)
    await t.invariants()
  })

  test('an overdue order in a batch is expired by the single path, not paid', async () => {
    const p = await t.createProduct({ price: 500, stock: 10 })
    await t.charge(430, 5_000)
    await t.charge(431, 5_000)
    const late = await orderLater(430, p.id)
    t.clock.advance(11 * 60_000) // past the 10-minute payment window
    const onTime = await orderLater(431, p.id)
    const [a, b] = await Promise.all([pay(430, late.id), pay(431, onTime.id)])
    assert.equal(a.json().code, 'ORDER_EXPIRED')
    assert.equal(b.json().status, 'PAID')
    const wallet = await t.call('GET', '/api/v1/points/users/430', { token: await t.token(430) })
    assert.equal(wallet.json().balance, 5_000)
    await t.invariants()
  })

  test('hammer: 30 pending orders of one wallet paid at once, points for 12: exactly 12 paid', async () => {
    const p = await t.createProduct({ price: 700, stock: 100 })
    await t.charge(440, 12 * 700 + 699)
    const orders = []
    for (let i = 0; i < 30; i++) orders.push(await orderLater(440, p.id))
    // Each order is also paid a second time at once, under another key.
    const answers = await Promise.all(orders.flatMap((o) => [pay(440, o.id), pay(440, o.id)]))
    const codes = answers.map((r) => (r.statusCode === 200 ? 'PAID' : r.json().code))
    assert.equal(codes.filter((c) => c === 'PAID').length, 12)
    assert.ok(
      codes.every((c) => ['PAID', 'INSUFFICIENT_POINTS', 'ORDER_NOT_PAYABLE'].includes(c)),
      codes.join(),
    )
    const wallet = await t.call('GET', '/api/v1/points/users/440', { token: await t.token(440) })
    assert.equal(wallet.json().balance, 699)
    const paidRows = await t.runtime.db
      .selectFrom('orders')
      .select('id')
      .where('user_id', '=', 440)
      .where('status', '=', 'PAID')
      .execute()
    assert.equal(paidRows.length, 12)
    await t.invariants()
  })
})
