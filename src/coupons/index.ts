export { discountFor } from './coupons.js'
export { type IssueGate, openIssueGate, RedisIssueGate } from './issue-gate.js'
export { couponRoutes } from './routes.js'
export { markCouponUsed, quoteCoupon, releaseCoupon } from './user-coupons.js'
