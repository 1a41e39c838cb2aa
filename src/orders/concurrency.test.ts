/**
 * Hammer tests: many buyers at once against few units. Requests are fired together through the
 * real HTTP stack; the database's conditional writes must let exactly the right number through.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { startTestApp, type TestApp } from '../testing/harness.js'

const count = (codes: number[], code: number) => codes.filter((c) => c === code).length

describe('concurrency', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  test('500 concurrent buyers, 100 units: exactly 100 PAID, stock 0, the rest INSUFFICIENT_STOCK', async () => {
    const product = await t.createProduct({ price: 1_000, stock: 100 })
    const buyers = Array.from({ length: 500 }, (_, i) => 10_000 + i)
    for (const id of buyers) await t.charge(id, 5_000)
    const tokens = await Promise.all(buyers.map((id) => t.token(id)))
    const responses = await Promise.all(
      buyers.map((id, i) =>
        t.call('POST', '/api/v1/orders', {
          token: tokens[i],
          body: { userId: id, items: [{ productId: product.id, quantity: 1 }] },
        }),
      ),
    )
    const codes = responses.map((r) => r.statusCode)
    assert.equal(count(codes, 201), 100)
    assert.equal(count(codes, 409), 400)
    for (const r of responses.filter((r) => r.statusCode === 409))
      assert.equal(r.json().code, 'INSUFFICIENT_STOCK')
    assert.equal((await t.call('GET', `/api/v1/products/${product.id}`)).json().stock, 0)
    const paid = await t.runtime.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'PAID')
      .executeTakeFirstOrThrow()
    assert.equal(Number(paid.n), 100)
  })

  test('200 concurrent claims of a 50-coupon: exactly 50 issued', async () => {
    const coupon = await t.createCoupon({ totalQuantity: 50 })
    const users = Array.from({ length: 200 }, (_, i) => 20_000 + i)
    const tokens = await Promise.all(users.map((id) => t.token(id)))
    const responses = await Promise.all(
      users.map((id, i) =>
        t.call('POST', `/api/v1/coupons/${coupon.id}/issue`, { token: tokens[i], body: { userId: id } }),
      ),
    )
    const codes = responses.map((r) => r.statusCode)
    assert.equal(count(codes, 201), 50)
    assert.ok(responses.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'COUPON_SOLD_OUT'))
    const detail = (await t.call('GET', `/api/v1/coupons/${coupon.id}`)).json()
    assert.equal(detail.issuedQuantity, 50)
    assert.equal(detail.remainingQuantity, 0)
  })

  test('one user claiming the same coupon 20 times in parallel gets it once', async () => {
    const coupon = await t.createCoupon({ totalQuantity: 100 })
    const token = await t.token(30_000)
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.call('POST', `/api/v1/coupons/${coupon.id}/issue`, { token, body: { userId: 30_000 } }),
      ),
    )
    const codes = responses.map((r) => r.statusCode)
    assert.equal(count(codes, 201), 1)
    assert.ok(
      responses.filter((r) => r.statusCode !== 201).every((r) => r.json().code === 'COUPON_ALREADY_ISSUED'),
    )
    const mine = (await t.call('GET', '/api/v1/coupons/users/30000', { token })).json()
    assert.equal(mine.items.length, 1)
  })

  test('parallel charges with one Idempotency-Key charge once', async () => {
    const token = await t.token(40_000)
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.call('POST', '/api/v1/points/users/40000/charge', {
          token,
          body: { amount: 7_000 },
          headers: { 'idempotency-key': 'charge-once' },
        }),
      ),
    )
    const ok = responses.filter((r) => r.statusCode === 200)
    assert.ok(ok.length >= 1)
    assert.ok(responses.every((r) => r.statusCode === 200 || r.json().code === 'IDEMPOTENCY_KEY_IN_PROGRESS'))
    assert.ok(ok.every((r) => r.json().balance === 7_000))
    const balance = (await t.call('GET', '/api/v1/points/users/40000', { token })).json()
    assert.equal(balance.balance, 7_000)
  })

  test('one user racing two orders on one coupon: only one order gets it', async () => {
    const product = await t.createProduct({ price: 10_000, stock: 50 })
    const coupon = await t.createCoupon({ totalQuantity: 5 })
    await t.charge(50_000, 100_000)
    const token = await t.token(50_000)
    const uc = (
      await t.call('POST', `/api/v1/coupons/${coupon.id}/issue`, { token, body: { userId: 50_000 } })
    ).json()
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.call('POST', '/api/v1/orders', {
          token,
          body: { userId: 50_000, items: [{ productId: product.id, quantity: 1 }], userCouponId: uc.id },
        }),
      ),
    )
    const codes = responses.map((r) => r.statusCode)
    assert.equal(count(codes, 201), 1)
    assert.ok(
      responses.filter((r) => r.statusCode !== 201).every((r) => r.json().code === 'COUPON_NOT_USABLE'),
    )
  })
})
