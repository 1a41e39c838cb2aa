import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { MINUTE } from '../platform/clock/index.js'
import { startTestApp, type TestApp } from '../testing/harness.js'

describe('orders', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp({ ORDER_PAYMENT_TTL_SECONDS: '600' })
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  test('POINTS order is placed and paid at once; stock, balance and history follow', async () => {
    const p = await t.createProduct({ price: 12_000, stock: 5 })
    await t.charge(1, 50_000)
    const token = await t.token(1)
    const res = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 1, items: [{ productId: p.id, quantity: 2 }] },
    })
    assert.equal(res.statusCode, 201, res.body)
    const order = res.json()
    assert.equal(order.status, 'PAID')
    assert.equal(order.totalAmount, 24_000)
    assert.equal(order.payAmount, 24_000)
    assert.equal(order.discountAmount, 0)
    assert.deepEqual(order.items, [
      { productId: p.id, name: 'Test product', unitPrice: 12_000, quantity: 2, amount: 24_000 },
    ])
    assert.ok(order.paidAt)
    assert.equal(order.expiresAt, null)

    const product = (await t.call('GET', `/api/v1/products/${p.id}`)).json()
    assert.equal(product.stock, 3)
    const balance = (await t.call('GET', '/api/v1/points/users/1', { token })).json()
    assert.equal(balance.balance, 26_000)
    const history = (await t.call('GET', '/api/v1/points/users/1/history', { token })).json()
    assert.equal(history.items[0].type, 'PAYMENT')
    assert.equal(history.items[0].amount, -24_000)
    assert.equal(history.items[0].orderId, order.id)
  })

  test('LATER holds stock and coupon until paid; an overdue order expires when touched', async () => {
    const p = await t.createProduct({ price: 40_000, stock: 2 })
    const c = await t.createCoupon({
      discountType: 'RATE',
      discountValue: 10,
      maxDiscount: 3_000,
      totalQuantity: 5,
    })
    await t.charge(2, 100_000)
    const token = await t.token(2)
    const uc = (await t.call('POST', `/api/v1/coupons/${c.id}/issue`, { token, body: { userId: 2 } })).json()
    const placed = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 2, items: [{ productId: p.id, quantity: 1 }], userCouponId: uc.id, payment: 'LATER' },
    })
    assert.equal(placed.statusCode, 201, placed.body)
    const order = placed.json()
    assert.equal(order.status, 'PENDING_PAYMENT')
    assert.equal(order.discountAmount, 3_000)
    assert.equal(order.payAmount, 37_000)
    assert.equal((await t.call('GET', `/api/v1/products/${p.id}`)).json().stock, 1)

    t.clock.advance(11 * MINUTE)
    const pay = await t.call('POST', `/api/v1/orders/${order.id}/payment`, { token })
    assert.equal(pay.statusCode, 409)
    assert.equal(pay.json().code, 'ORDER_EXPIRED')
    const after = (await t.call('GET', `/api/v1/orders/${order.id}`, { token })).json()
    assert.equal(after.status, 'EXPIRED')
    assert.equal((await t.call('GET', `/api/v1/products/${p.id}`)).json().stock, 2)
    const coupons = (await t.call('GET', '/api/v1/coupons/users/2', { token })).json()
    assert.equal(coupons.items[0].status, 'AVAILABLE')
  })
})
