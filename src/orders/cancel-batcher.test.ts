import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { needsServerDatabase } from '../testing/backend.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { cancelBatcherFor } from './index.js'

describe('batched cancels (server database)', needsServerDatabase, () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())

  const order = async (userId: number, productId: number, extra: Record<string, unknown> = {}) => {
    const res = await t.call('POST', '/api/v1/orders', {
      token: await t.token(userId),
      body: { userId, items: [{ productId, quantity: 2 }], ...extra },
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json() as { id: number; userId: number; status: string; payAmount: number }
  }
  const cancel = async (userId: number, orderId: number) =>
    t.call('POST', `/api/v1/orders/${orderId}/cancel`, { token: await t.token(userId), body: {} })
  const balance = async (userId: number) =>
    (await t.call('GET', `/api/v1/points/users/${userId}`, { token: await t.token(userId) })).json().balance
  const stockOf = async (productId: number) =>
    (await t.call('GET', `/api/v1/products/${productId}`)).json().stock as number

  test('concurrent cancels share transactions; the ones a batch cannot make get their exact answers', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 100 })
    for (let u = 500; u < 525; u++) await t.charge(u, 10_000)
    const overdue = await order(521, p.id, { payment: 'LATER' })
    t.clock.advance(11 * 60_000) // past its 10-minute payment window
    const paid = []
    for (let u = 500; u < 510; u++) paid.push(await order(u, p.id))
    const pending = []
    for (let u = 510; u < 520; u++) pending.push(await order(u, p.id, { payment: 'LATER' }))
    const twiceOwn = [await order(522, p.id), await order(522, p.id)] // one wallet, two refunds
    const coupon = await t.createCoupon({ discountValue: 500 })
    const issued = await t.call('POST', `/api/v1/coupons/${coupon.id}/issue`, {
      token: await t.token(520),
      body: { userId: 520 },
    })
    const withCoupon = await order(520, p.id, { userCouponId: issued.json().id })
    assert.equal(await stockOf(p.id), 100 - 2 * 24)

    const stats = cancelBatcherFor(t.runtime.db)!.stats
    const before = { ...stats }
    const [stranger, twice, late, unknown, couponAnswer, ...answers] = await Promise.all([
      cancel(501, paid[0]!.id), // someone else's order: 404, and it stays paid
      cancel(paid[1]!.userId, paid[1]!.id), // the same order cancelled twice at once
      cancel(521, overdue.id), // overdue: expired by the single path, the cancel refused
      cancel(500, 999_999),
      cancel(520, withCoupon.id), // a coupon to give back: the single path
      ...[...paid.slice(1), ...pending, ...twiceOwn].map((o) => cancel(o.userId, o.id)),
    ])
    assert.equal(stranger!.json().code, 'NOT_FOUND')
    assert.equal(unknown!.json().code, 'NOT_FOUND')
    assert.equal(late!.json().code, 'ORDER_NOT_CANCELLABLE')
    assert.equal(couponAnswer!.json().status, 'CANCELLED')
    const both = [twice!, answers.shift()!].map((r) => (r.statusCode === 200 ? 'CANCELLED' : r.json().code))
    assert.deepEqual(both.sort(), ['CANCELLED', 'ORDER_NOT_CANCELLABLE'])
    assert.ok(
      answers.every((r) => r.statusCode === 200 && r.json().status === 'CANCELLED'),
      answers.map((r) => r.body).join('\n'),
    )
    assert.ok(stats.placed - before.placed >= 10, 'cancels went through the batcher')
    assert.ok(stats.batches - before.batches < stats.placed - before.placed, 'cancels shared transactions')

    const db = t.runtime.db
    const cancelled = [...answers, ...[twice!].filter((r) => r.statusCode === 200)].map((r) => r.json())
    for (const o of cancelled) {
      assert.equal(o.cancelledAt, new Date(t.clock.now()).toISOString())
      assert.equal(o.items.length, 1)
      const history = await db
        .selectFrom('point_transactions')
        .select(['type', 'amount'])
        .where('order_id', '=', o.id)
        .orderBy('id')
        .execute()
      const expected = o.paidAt
        ? [
            ['PAYMENT', -2_000],
            ['REFUND', 2_000],
          ]
        : []
      assert.deepEqual(
        history.map((h) => [h.type, Number(h.amount)]),
        expected,
      )
      const events = await db.selectFrom('outbox').select('type').where('aggregate_id', '=', o.id).execute()
      assert.deepEqual(
        events.map((e) => e.type).sort(),
        o.paidAt ? ['order.cancelled', 'order.paid', 'order.placed'] : ['order.cancelled', 'order.placed'],
      )
    }
    // Every cancelled order's units are back; the stranger's order, the overdue one's (expired) are too.
    assert.equal(await stockOf(p.id), 100 - 2)
    for (let u = 501; u < 520; u++) assert.equal(await balance(u), 10_000, `user ${u}`)
    assert.equal(await balance(500), 8_000, 'a stranger cannot cancel user 500 order')
    assert.equal(await balance(522), 10_000, 'both refunds of one wallet in one batch')
    assert.equal(await balance(521), 10_000)
    await t.invariants()
  })

  test('hammer: 20 paid orders each cancelled twice at once while 40 buyers chase the stock', async () => {
    const p = await t.createProduct({ price: 300, stock: 40 })
    for (let u = 600; u < 660; u++) await t.charge(u, 1_000)
    const paid = []
    for (let u = 600; u < 620; u++) paid.push(await order(u, p.id))
    const answers = await Promise.all([
      ...paid.flatMap((o) => [cancel(o.userId, o.id), cancel(o.userId, o.id)]),
      ...Array.from({ length: 40 }, (_, i) => 620 + i).map(async (u) =>
        t.call('POST', '/api/v1/orders', {
          token: await t.token(u),
          body: { userId: u, items: [{ productId: p.id, quantity: 2 }] },
        }),
      ),
    ])
    const cancels = answers.slice(0, 40).map((r) => (r.statusCode === 200 ? 'CANCELLED' : r.json().code))
    assert.equal(cancels.filter((c) => c === 'CANCELLED').length, 20, cancels.join())
    assert.ok(
      cancels.every((c) => ['CANCELLED', 'ORDER_NOT_CANCELLABLE'].includes(c)),
      cancels.join(),
    )
    for (let u = 600; u < 620; u++) assert.equal(await balance(u), 1_000, `user ${u} refunded exactly once`)
    const bought = answers.slice(40).filter((r) => r.statusCode === 201).length
    // 40 units: 20 orders of 2 were cancelled; the buyers got at most what came back.
    assert.ok(bought <= 20, `${bought} orders of 2 from 40 units`)
    assert.equal(await stockOf(p.id), 40 - 2 * bought)
    await t.invariants()
  })
})
