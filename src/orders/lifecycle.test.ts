import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import type { DomainEvent } from '../outbox/index.js'
import { MINUTE, SECOND } from '../platform/clock/index.js'
import { startTestApp, type TestApp } from '../testing/harness.js'

describe('order lifecycle', () => {
  let t: TestApp
  let nextUser = 100
  const delivered: DomainEvent[] = []
  before(async () => {
    t = await startTestApp({ ORDER_PAYMENT_TTL_SECONDS: '600' })
    t.runtime.bus.subscribe('*', (e) => {
      delivered.push(e)
    })
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  /** A fresh user with points, a token and a helper to place orders. */
  async function buyer(points = 100_000) {
    const userId = nextUser++
    if (points > 0) await t.charge(userId, points)
    const token = await t.token(userId)
    const order = (items: { productId: number; quantity: number }[], extra: Record<string, unknown> = {}) =>
      t.call('POST', '/api/v1/orders', { token, body: { userId, items, ...extra } })
    const balance = async () =>
      (await t.call('GET', `/api/v1/points/users/${userId}`, { token })).json().balance
    return { userId, token, order, balance }
  }
  const stockOf = async (id: number) => (await t.call('GET', `/api/v1/products/${id}`)).json().stock

  test('a LATER order is paid once; paying again is ORDER_NOT_PAYABLE', async () => {
    const p = await t.createProduct({ price: 30_000, stock: 3 })
    const b = await buyer()
    const order = (await b.order([{ productId: p.id, quantity: 2 }], { payment: 'LATER' })).json()
    assert.equal(await b.balance(), 100_000, 'nothing is charged before payment')
    // Many clients send a JSON content type with an empty body on a bodiless POST.
    const paid = await t.call('POST', `/api/v1/orders/${order.id}/payment`, {
      token: b.token,
      body: '',
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(paid.statusCode, 200, paid.body)
    assert.equal(paid.json().status, 'PAID')
    assert.equal(await b.balance(), 40_000)
    const again = await t.call('POST', `/api/v1/orders/${order.id}/payment`, { token: b.token })
    assert.equal(again.json().code, 'ORDER_NOT_PAYABLE')
    assert.equal(await b.balance(), 40_000)
  })

  test('paying without enough points is INSUFFICIENT_POINTS and changes nothing', async () => {
    const p = await t.createProduct({ price: 80_000, stock: 3 })
    const b = await buyer(50_000)
    const direct = await b.order([{ productId: p.id, quantity: 1 }])
    assert.equal(direct.statusCode, 409)
    assert.equal(direct.json().code, 'INSUFFICIENT_POINTS')
    assert.equal(await stockOf(p.id), 3)
    const later = (await b.order([{ productId: p.id, quantity: 1 }], { payment: 'LATER' })).json()
    const pay = await t.call('POST', `/api/v1/orders/${later.id}/payment`, { token: b.token })
    assert.equal(pay.json().code, 'INSUFFICIENT_POINTS')
    const still = (await t.call('GET', `/api/v1/orders/${later.id}`, { token: b.token })).json()
    assert.equal(still.status, 'PENDING_PAYMENT')
    assert.equal(await b.balance(), 50_000)
  })

  test('cancelling a paid order refunds points, returns stock and the coupon', async () => {
    const p = await t.createProduct({ price: 20_000, stock: 5 })
    const c = await t.createCoupon({ discountValue: 5_000, totalQuantity: 3 })
    const b = await buyer()
    const uc = (
      await t.call('POST', `/api/v1/coupons/${c.id}/issue`, { token: b.token, body: { userId: b.userId } })
    ).json()
    const order = (await b.order([{ productId: p.id, quantity: 2 }], { userCouponId: uc.id })).json()
    assert.equal(order.payAmount, 35_000)
    assert.equal(await b.balance(), 65_000)
    const cancelled = await t.call('POST', `/api/v1/orders/${order.id}/cancel`, { token: b.token })
    assert.equal(cancelled.statusCode, 200, cancelled.body)
    assert.equal(cancelled.json().status, 'CANCELLED')
    assert.ok(cancelled.json().cancelledAt)
    assert.equal(await b.balance(), 100_000)
    assert.equal(await stockOf(p.id), 5)
    const history = (
      await t.call('GET', `/api/v1/points/users/${b.userId}/history`, { token: b.token })
    ).json()
    assert.deepEqual(
      history.items.slice(0, 2).map((h: { type: string; amount: number }) => [h.type, h.amount]),
      [
        ['REFUND', 35_000],
        ['PAYMENT', -35_000],
      ],
    )
    const coupons = (await t.call('GET', `/api/v1/coupons/users/${b.userId}`, { token: b.token })).json()
    assert.equal(coupons.items[0].status, 'AVAILABLE')
    const twice = await t.call('POST', `/api/v1/orders/${order.id}/cancel`, { token: b.token })
    assert.equal(twice.json().code, 'ORDER_NOT_CANCELLABLE')
    assert.equal(await b.balance(), 100_000)
  })

  test('cancelling a pending order releases what it held without touching points', async () => {
    const p = await t.createProduct({ price: 10_000, stock: 2 })
    const b = await buyer()
    const order = (await b.order([{ productId: p.id, quantity: 2 }], { payment: 'LATER' })).json()
    assert.equal(await stockOf(p.id), 0)
    const res = await t.call('POST', `/api/v1/orders/${order.id}/cancel`, { token: b.token })
    assert.equal(res.json().status, 'CANCELLED')
    assert.equal(await stockOf(p.id), 2)
    assert.equal(await b.balance(), 100_000)
  })

  test('the sweeper expires overdue orders and releases their stock', async () => {
    const p = await t.createProduct({ price: 10_000, stock: 4 })
    const b = await buyer()
    const order = (await b.order([{ productId: p.id, quantity: 3 }], { payment: 'LATER' })).json()
    assert.equal(order.expiresAt, new Date(t.clock.now() + 10 * MINUTE).toISOString())
    t.clock.advance(10 * MINUTE - SECOND)
    await t.runtime.sweep()
    assert.equal(
      (await t.call('GET', `/api/v1/orders/${order.id}`, { token: b.token })).json().status,
      'PENDING_PAYMENT',
    )
    t.clock.advance(SECOND)
    await t.runtime.sweep()
    assert.equal(
      (await t.call('GET', `/api/v1/orders/${order.id}`, { token: b.token })).json().status,
      'EXPIRED',
    )
    assert.equal(await stockOf(p.id), 4)
    const cancel = await t.call('POST', `/api/v1/orders/${order.id}/cancel`, { token: b.token })
    assert.equal(cancel.json().code, 'ORDER_NOT_CANCELLABLE')
  })

  test('reading an overdue order expires it at once, without waiting for the sweeper', async () => {
    const p = await t.createProduct({ price: 10_000, stock: 3 })
    const b = await buyer()
    const one = (await b.order([{ productId: p.id, quantity: 1 }], { payment: 'LATER' })).json()
    const two = (await b.order([{ productId: p.id, quantity: 2 }], { payment: 'LATER' })).json()
    t.clock.advance(10 * MINUTE)
    const read = (await t.call('GET', `/api/v1/orders/${one.id}`, { token: b.token })).json()
    assert.equal(read.status, 'EXPIRED')
    assert.equal(await stockOf(p.id), 1, 'only the order that was read has been expired so far')
    const list = (await t.call('GET', `/api/v1/orders/users/${b.userId}`, { token: b.token })).json()
    assert.equal(list.items.find((o: { id: number }) => o.id === two.id).status, 'EXPIRED')
    assert.equal(await stockOf(p.id), 3)
  })

  test('insufficient stock names every short product and leaves all stock as it was', async () => {
    const a = await t.createProduct({ stock: 5 })
    const short1 = await t.createProduct({ stock: 1 })
    const short2 = await t.createProduct({ stock: 0 })
    const b = await buyer()
    const res = await b.order([
      { productId: a.id, quantity: 2 },
      { productId: short1.id, quantity: 2 },
      { productId: short2.id, quantity: 1 },
    ])
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().code, 'INSUFFICIENT_STOCK')
    assert.deepEqual(res.json().products, [short1.id, short2.id])
    assert.equal(await stockOf(a.id), 5)
    assert.equal(await stockOf(short1.id), 1)
  })

  test('an unknown product is 404 and nothing is written', async () => {
    const b = await buyer()
    const res = await b.order([{ productId: 999_999, quantity: 1 }])
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().code, 'NOT_FOUND')
  })

  test('orders are listed newest first with a cursor', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    const b = await buyer()
    const ids: number[] = []
    for (let i = 0; i < 3; i++) ids.push((await b.order([{ productId: p.id, quantity: 1 }])).json().id)
    const page1 = (await t.call('GET', `/api/v1/orders/users/${b.userId}?limit=2`, { token: b.token })).json()
    assert.deepEqual(
      page1.items.map((o: { id: number }) => o.id),
      [ids[2], ids[1]],
    )
    const page2 = (
      await t.call('GET', `/api/v1/orders/users/${b.userId}?limit=2&cursor=${page1.nextCursor}`, {
        token: b.token,
      })
    ).json()
    assert.deepEqual(
      page2.items.map((o: { id: number }) => o.id),
      [ids[0]],
    )
    assert.equal(page2.nextCursor, null)
  })

  test('every state change writes its event; the relay delivers each once, in order', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    const b = await buyer()
    const paid = (await b.order([{ productId: p.id, quantity: 1 }])).json()
    const later = (await b.order([{ productId: p.id, quantity: 1 }], { payment: 'LATER' })).json()
    await t.call('POST', `/api/v1/orders/${paid.id}/cancel`, { token: b.token })
    t.clock.advance(11 * MINUTE)
    await t.runtime.sweep()
    await t.runtime.relay.flush()
    const mine = delivered.filter((e) => e.aggregateId === paid.id || e.aggregateId === later.id)
    assert.deepEqual(
      mine.map((e) => `${e.aggregateId}:${e.type}`),
      [
        `${paid.id}:order.placed`,
        `${paid.id}:order.paid`,
        `${later.id}:order.placed`,
        `${paid.id}:order.cancelled`,
        `${later.id}:order.expired`,
      ],
    )
    assert.equal(new Set(delivered.map((e) => e.id)).size, delivered.length, 'event ids are unique')
    assert.equal(await t.runtime.relay.backlog(), 0)
    const cancelledEvent = mine.find((e) => e.type === 'order.cancelled')!
    assert.equal((cancelledEvent.payload as { order: { status: string } }).order.status, 'CANCELLED')
  })
})
