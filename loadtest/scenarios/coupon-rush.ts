/** A first-come coupon of 1,000 for many more users: everyone claims at once. */
import { browse, claimCoupon } from '../journeys/index.js'
import { defineScenario } from './scenario.js'

export default defineScenario({
  name: 'coupon-rush',
  description: 'a first-come coupon (1,000) claimed by 2,000 users at once',
  stages: ({ rate = 300 }) => [
    { label: 'announce', durationSec: 5, rate: rate / 10, users: 200 },
    { label: 'rush', durationSec: 30, rate, users: 2000 },
    { label: 'after', durationSec: 10, rate: rate / 10, users: 200 },
  ],
  journeys: [claimCoupon(8, 'rushCouponId'), browse(2)],
  thinkMs: [100, 1000],
  prepare: { products: 5, rushCoupons: 1000 },
})
