/**
 * Coupons at work: the discount a claimed coupon gives on a real order, every reason an order may
 * refuse it, and what cancelling the order gives back. (Claiming and listing: coupons.test.ts.)
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { DAY } from '../platform/clock/index.js'
import { expectProblem, startTestApp, type TestApp } from '../testing/harness.js'

type UserCoupon = { id: number; status: string }

describe('coupons applied to orders', () => {
  let t: TestApp
  let admin: string
  let nextUser = 1
  before(async () => {
    t = await startTestApp()
    admin = await t.adminToken()
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  const newUser = async (points = 0) => {
    const id = nextUser++
    if (points > 0) await t.charge(id, points)
    return { id, token: await t.token(id) }
  }
  const claim = async (couponId: number, userId: number) => {
    const body = { userId }
    const res = await t.call('POST', `/api/v1/coupons/${couponId}/issue`, {
      token: await t.token(userId),
      body,
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json()
  }
  const mine = async (userId: number) =>
    (await t.call('GET', `/api/v1/coupons/users/${userId}`, { token: admin })).json().items as UserCoupon[]
  const claimNew = async (coupon: Record<string, unknown>, userId: number) =>
    claim((await t.createCoupon(coupon)).id, userId)
  const statusOf = async (userId: number, userCouponId: number) =>
    (await mine(userId)).find((c) => c.id === userCouponId)?.status
  const order = (user: { id: number; token: string }, productId: number, userCouponId: number) =>
    t.call('POST', '/api/v1/orders', {
      token: user.token,
      body: { userId: user.id, items: [{ productId, quantity: 1 }], userCouponId },
    })
  const balance = async (userId: number) =>
    (await t.call('GET', `/api/v1/points/users/${userId}`, { token: admin })).json().balance as number

  const discounts: [string, Record<string, unknown>, number, number][] = [
    ['FIXED', { discountType: 'FIXED', discountValue: 1_500 }, 10_000, 1_500],
    ['RATE floored', { discountType: 'RATE', discountValue: 15, maxDiscount: 1_000_000 }, 9_999, 1_499],
    ['RATE without a cap', { discountType: 'RATE', discountValue: 100 }, 7_777, 7_777],
    ['RATE capped', { discountType: 'RATE', discountValue: 50, maxDiscount: 3_000 }, 10_000, 3_000],
    ['FIXED above the total', { discountType: 'FIXED', discountValue: 5_000 }, 3_000, 3_000],
    ['minOrderAmount met exactly', { discountValue: 1_000, minOrderAmount: 8_000 }, 8_000, 1_000],
  ]
  for (const [why, coupon, total, discount] of discounts) {
    test(`discount through a real order: ${why}`, async () => {
      const u = await newUser(50_000)
      const p = await t.createProduct({ price: total, stock: 1 })
      const uc = await claimNew(coupon, u.id)
      const res = await order(u, p.id, uc.id)
      assert.equal(res.statusCode, 201, res.body)
      const o = res.json()
      assert.deepEqual(
        [o.totalAmount, o.discountAmount, o.payAmount, o.userCouponId],
        [total, discount, total - discount, uc.id],
      )
      assert.equal(await balance(u.id), 50_000 - (total - discount))
      assert.equal(await statusOf(u.id, uc.id), 'USED')
    })
  }

  const refusals: [string, (u: { id: number; token: string }, pid: number) => Promise<number>][] = [
    ['below minOrderAmount', async (u) => (await claimNew({ minOrderAmount: 10_001 }, u.id)).id],
    ["another user's coupon", async () => (await claimNew({}, (await newUser()).id)).id],
    ['an unknown user coupon', async () => 999_999],
    [
      'a used coupon',
      async (u, pid) => {
        const uc = await claimNew({}, u.id)
        assert.equal((await order(u, pid, uc.id)).statusCode, 201)
        return uc.id
      },
    ],
    [
      'an expired coupon',
      async (u) => {
        const uc = await claimNew({ validDays: 1 }, u.id)
        t.clock.advance(DAY)
        return uc.id
      },
    ],
  ]
  for (const [why, setup] of refusals) {
    test(`order with ${why} is 409 COUPON_NOT_USABLE and changes nothing`, async () => {
      const u = await newUser(50_000)
      const p = await t.createProduct({ price: 10_000, stock: 5 })
      const ucId = await setup(u, p.id)
      const state = async () => [
        (await t.call('GET', `/api/v1/products/${p.id}`)).json().stock,
        await balance(u.id),
        await mine(u.id),
      ]
      const before = await state()
      await expectProblem(order(u, p.id, ucId), 409, 'COUPON_NOT_USABLE')
      assert.deepEqual(await state(), before)
    })
  }

  test('cancelling a paid order gives the coupon back: AVAILABLE, or EXPIRED once its validity passed', async () => {
    const u = await newUser(100_000)
    const p = await t.createProduct({ price: 10_000, stock: 5 })
    const short = await claimNew({ validDays: 1 }, u.id)
    const long = await claimNew({ validDays: 5 }, u.id)
    const o1 = (await order(u, p.id, short.id)).json()
    const o2 = (await order(u, p.id, long.id)).json()
    assert.equal(await balance(u.id), 100_000 - 2 * 9_000)
    t.clock.advance(2 * DAY)
    for (const o of [o1, o2]) {
      const res = await t.call('POST', `/api/v1/orders/${o.id}/cancel`, { token: u.token })
      assert.equal(res.statusCode, 200, res.body)
    }
    assert.equal(await balance(u.id), 100_000)
    assert.equal(await statusOf(u.id, short.id), 'EXPIRED')
    assert.equal(await statusOf(u.id, long.id), 'AVAILABLE')
    await expectProblem(order(u, p.id, short.id), 409, 'COUPON_NOT_USABLE')
    const reused = await order(u, p.id, long.id)
    assert.equal(reused.statusCode, 201, reused.body)
    assert.equal(reused.json().discountAmount, 1_000)
  })
})
