export { discountFor } from './coupons.js'
export { couponRoutes } from './routes.js'
export { markCouponUsed, quoteCoupon, releaseCoupon } from './user-coupons.js'
