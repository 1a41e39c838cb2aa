import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { discountFor } from './coupons.js'

/** Order totals up to the largest an order can reach: 50 lines x 100 units x 1e9 won. */
const total = fc.integer({ min: 0, max: 5_000_000_000_000 })
const cap = fc.option(fc.integer({ min: 0, max: 1_000_000_000 }), { nil: null })
const fixedValue = fc.integer({ min: 1, max: 1_000_000_000 })
const fixed = fc.record({
  discountType: fc.constant('FIXED' as const),
  discountValue: fixedValue,
  maxDiscount: fc.constant(null),
})
/** The API also accepts a maxDiscount on a FIXED coupon; the bounds must hold for those too. */
const fixedWithCap = fc.record({
  discountType: fc.constant('FIXED' as const),
  discountValue: fixedValue,
  maxDiscount: cap,
})
const rate = fc.record({
  discountType: fc.constant('RATE' as const),
  discountValue: fc.integer({ min: 1, max: 100 }),
  maxDiscount: cap,
})
const anyCoupon = fc.oneof(fixed, fixedWithCap, rate)

/** floor(total * rate / 100) in exact integer arithmetic, independent of floating point. */
const ratePart = (t: number, r: number) => Number((BigInt(t) * BigInt(r)) / 100n)

describe('discountFor', () => {
  test('is an integer between 0 and the total, for any coupon', () => {
    fc.assert(
      fc.property(anyCoupon, total, (coupon, t) => {
        const d = discountFor(coupon, t)
        assert.ok(Number.isSafeInteger(d), `${d} is not an integer`)
        assert.ok(d >= 0 && d <= t, `${d} is outside 0..${t}`)
      }),
    )
  })

  test('FIXED takes its value off, never more than the total', () => {
    fc.assert(
      fc.property(fixed, total, (coupon, t) => {
        assert.equal(discountFor(coupon, t), Math.min(coupon.discountValue, t))
      }),
    )
  })

  test('RATE is the floored percentage, capped by maxDiscount and the total', () => {
    fc.assert(
      fc.property(rate, total, (coupon, t) => {
        const expected = Math.min(ratePart(t, coupon.discountValue), coupon.maxDiscount ?? Infinity, t)
        assert.equal(discountFor(coupon, t), expected)
      }),
    )
  })

  test('a bigger order never gets a smaller discount', () => {
    fc.assert(
      fc.property(anyCoupon, total, total, (coupon, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        assert.ok(discountFor(coupon, lo) <= discountFor(coupon, hi))
      }),
    )
  })

  const examples: [string, Parameters<typeof discountFor>[0], number, number][] = [
    [
      'FIXED under the total',
      { discountType: 'FIXED', discountValue: 1_000, maxDiscount: null },
      5_000,
      1_000,
    ],
    [
      'FIXED over the total',
      { discountType: 'FIXED', discountValue: 9_000, maxDiscount: null },
      5_000,
      5_000,
    ],
    ['RATE floors', { discountType: 'RATE', discountValue: 15, maxDiscount: null }, 9_999, 1_499],
    ['RATE capped', { discountType: 'RATE', discountValue: 50, maxDiscount: 3_000 }, 10_000, 3_000],
    ['RATE 100%', { discountType: 'RATE', discountValue: 100, maxDiscount: null }, 7_777, 7_777],
    ['RATE on a tiny total', { discountType: 'RATE', discountValue: 10, maxDiscount: null }, 9, 0],
    ['a zero total', { discountType: 'FIXED', discountValue: 1_000, maxDiscount: null }, 0, 0],
    ['a zero cap', { discountType: 'RATE', discountValue: 10, maxDiscount: 0 }, 10_000, 0],
  ]
  for (const [why, coupon, t, expected] of examples) {
    test(`example: ${why}`, () => assert.equal(discountFor(coupon, t), expected))
  }
})
