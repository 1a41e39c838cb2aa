/**
 * Random sequences of shop operations from several users, interleaved in parallel batches. Whatever
 * happens, no request may fail with a 5xx and the books must balance afterwards.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { MINUTE } from '../platform/clock/index.js'
import { startTestApp, type TestApp } from '../testing/harness.js'

const USERS = [1, 2, 3, 4]

type Op =
  | { kind: 'charge'; user: number; amount: number }
  | { kind: 'issue'; user: number; coupon: number }
  | { kind: 'order'; user: number; lines: [number, number][]; later: boolean; withCoupon: boolean }
  | { kind: 'pay' | 'cancel'; user: number; pick: number }
  | { kind: 'restock'; product: number; delta: number }
  | { kind: 'tick'; minutes: number }

const user = fc.constantFrom(...USERS)
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('charge' as const), user, amount: fc.integer({ min: 500, max: 60_000 }) }),
  fc.record({ kind: fc.constant('issue' as const), user, coupon: fc.integer({ min: 0, max: 1 }) }),
  fc.record({
    kind: fc.constant('order' as const),
    user,
    lines: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 3 })), {
      minLength: 1,
      maxLength: 3,
      selector: (l) => l[0],
    }),
    later: fc.boolean(),
    withCoupon: fc.boolean(),
  }),
  fc.record({ kind: fc.constantFrom('pay' as const, 'cancel' as const), user, pick: fc.nat() }),
  fc.record({
    kind: fc.constant('restock' as const),
    product: fc.integer({ min: 0, max: 2 }),
    delta: fc.integer({ min: -3, max: 5 }),
  }),
  fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 15 }) }),
)

describe('invariants under random operations', () => {
  let t: TestApp
  let products: number[]
  let coupons: number[]
  before(async () => {
    t = await startTestApp({ ORDER_PAYMENT_TTL_SECONDS: '600' })
    products = []
    for (const price of [7_000, 12_000, 30_000])
      products.push((await t.createProduct({ price, stock: 6 })).id)
    coupons = [
      (await t.createCoupon({ discountType: 'FIXED', discountValue: 3_000, totalQuantity: 3, validDays: 1 }))
        .id,
      (
        await t.createCoupon({
          discountType: 'RATE',
          discountValue: 15,
          maxDiscount: 4_000,
          totalQuantity: 2,
          validDays: 2,
        })
      ).id,
    ]
  })
  after(() => t.close())

  async function run(o: Op): Promise<number> {
    const admin = await t.adminToken()
    switch (o.kind) {
      case 'charge':
        return (
          await t.call('POST', `/api/v1/points/users/${o.user}/charge`, {
            token: await t.token(o.user),
            body: { amount: Math.max(1_000, o.amount) },
          })
        ).statusCode
      case 'issue':
        return (
          await t.call('POST', `/api/v1/coupons/${coupons[o.coupon]}/issue`, {
            token: await t.token(o.user),
            body: { userId: o.user },
          })
        ).statusCode
      case 'order': {
        const token = await t.token(o.user)
        const mine = (
          await t.call('GET', `/api/v1/coupons/users/${o.user}?status=AVAILABLE`, { token })
        ).json().items
        const body: Record<string, unknown> = {
          userId: o.user,
          items: o.lines.map(([p, quantity]) => ({ productId: products[p], quantity })),
          payment: o.later ? 'LATER' : 'POINTS',
        }
        if (o.withCoupon && mine.length > 0) body['userCouponId'] = mine[0].id
        return (await t.call('POST', '/api/v1/orders', { token, body })).statusCode
      }
      case 'pay':
      case 'cancel': {
        const token = await t.token(o.user)
        const orders = (await t.call('GET', `/api/v1/orders/users/${o.user}?limit=10`, { token })).json()
          .items
        if (orders.length === 0) return 204
        const target = orders[o.pick % orders.length].id
        return (
          await t.call('POST', `/api/v1/orders/${target}/${o.kind === 'pay' ? 'payment' : 'cancel'}`, {
            token,
          })
        ).statusCode
      }
      case 'restock':
        return (
          await t.call('POST', `/api/v1/admin/products/${products[o.product]}/stock`, {
            token: admin,
            body: { delta: o.delta || 1 },
          })
        ).statusCode
      case 'tick':
        t.clock.advance(o.minutes * MINUTE)
        await t.runtime.sweep()
        return 204
    }
  }

  test('books balance and nothing 5xx after any sequence', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        async (batches) => {
          for (const batch of batches) {
            // Operations in a batch run concurrently, as requests from different clients would.
            const statuses = await Promise.all(batch.map(run))
            for (const s of statuses) assert.ok(s < 500, `a request failed with ${s}`)
          }
          await t.invariants()
        },
      ),
      { numRuns: 60 },
    )
  })
})
