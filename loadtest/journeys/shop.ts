/**
 * The shop's journeys over the real API. Scenarios pick and weight them; copy one to make your own.
 * Steps that read an id from an answer (`read`) make the next step's request.
 */
import { get, post } from './api.js'
import type { Journey, Step, StepContext } from './types.js'

const pick = <T>(items: readonly T[], ctx: StepContext): T => {
  if (items.length === 0) throw new Error('scenario data has no products: run with --prepare or seed first')
  return items[Math.floor(ctx.random() * items.length)]!
}

const readId =
  (into: 'orderId' | 'userCouponId') =>
  (body: unknown, ctx: StepContext): void => {
    const id = (body as { id?: unknown } | null)?.id
    if (typeof id === 'number') ctx.state[into] = id
  }

const listProducts: Step = {
  name: 'list',
  request: () => get('/api/v1/products', {}, { query: 'limit=20', anonymous: true }),
}

const productDetail: Step = {
  name: 'detail',
  request: (ctx) => {
    ctx.state.productId = pick(ctx.data.productIds, ctx)
    return get('/api/v1/products/{productId}', { productId: ctx.state.productId }, { anonymous: true })
  },
}

const topProducts: Step = {
  name: 'top',
  request: () => get('/api/v1/products/top', {}, { query: 'days=3&limit=5', anonymous: true }),
}

const chargePoints: Step = {
  name: 'charge',
  request: (ctx) =>
    post(
      '/api/v1/points/users/{userId}/charge',
      { userId: ctx.user.id },
      { amount: 10_000 },
      { idempotent: true },
    ),
}

const placeOrder = (payment: 'POINTS' | 'LATER', expect: readonly number[] = [201]): Step => ({
  name: payment === 'LATER' ? 'order-later' : 'order',
  expect,
  request: (ctx) =>
    post(
      '/api/v1/orders',
      {},
      {
        userId: ctx.user.id,
        items: [{ productId: ctx.state.productId ?? pick(ctx.data.productIds, ctx), quantity: 1 }],
        payment,
      },
      { idempotent: true },
    ),
  read: readId('orderId'),
})

const orderAction = (action: 'payment' | 'cancel'): Step => ({
  name: action === 'payment' ? 'pay' : 'cancel',
  request: (ctx) =>
    post(
      action === 'payment' ? '/api/v1/orders/{orderId}/payment' : '/api/v1/orders/{orderId}/cancel',
      { orderId: ctx.state.orderId ?? 0 },
      undefined,
      { idempotent: true },
    ),
})

/** browse list → detail → top products */
export const browse = (weight: number): Journey => ({
  name: 'browse',
  weight,
  steps: [listProducts, productDetail, topProducts],
})

/** charge 10,000 points into one's own wallet */
export const charge = (weight: number): Journey => ({ name: 'charge', weight, steps: [chargePoints] })

/**
 * Claim a first-come coupon. 409 (sold out, or this user already has it) is the coupon working as
 * designed, so it counts as success; the report's status mix still shows it.
 */
export const claimCoupon = (weight: number, which: 'couponId' | 'rushCouponId' = 'couponId'): Journey => ({
  name: which === 'rushCouponId' ? 'rush' : 'coupon',
  weight,
  steps: [
    {
      name: 'view',
      request: (ctx) =>
        get('/api/v1/coupons/{couponId}', { couponId: couponOf(ctx, which) }, { anonymous: true }),
    },
    {
      name: 'claim',
      expect: [201, 409],
      request: (ctx) =>
        post('/api/v1/coupons/{couponId}/issue', { couponId: couponOf(ctx, which) }, { userId: ctx.user.id }),
      read: readId('userCouponId'),
    },
  ],
})

const couponOf = (ctx: StepContext, which: 'couponId' | 'rushCouponId'): number => {
  const id = ctx.data[which]
  if (id === undefined) throw new Error(`scenario data has no ${which}: run with --prepare or seed first`)
  return id
}

/** look at a product, buy it with points */
export const buyNow = (weight: number): Journey => ({
  name: 'buy',
  weight,
  steps: [productDetail, placeOrder('POINTS')],
})

/** order with pay-later, then pay */
export const payLater = (weight: number): Journey => ({
  name: 'pay-later',
  weight,
  steps: [productDetail, placeOrder('LATER'), orderAction('payment')],
})

/** buy, then change one's mind: cancel (refund, stock back) */
export const buyThenCancel = (weight: number): Journey => ({
  name: 'cancel',
  weight,
  steps: [placeOrder('POINTS'), orderAction('cancel')],
})

/** Everyone wants the one hot product: 409 INSUFFICIENT_STOCK once it is gone is correct, not an error. */
export const buyHotProduct = (weight: number): Journey => ({
  name: 'hot',
  weight,
  steps: [
    {
      name: 'detail',
      request: (ctx) => {
        ctx.state.productId = hotOf(ctx)
        return get('/api/v1/products/{productId}', { productId: ctx.state.productId }, { anonymous: true })
      },
    },
    { ...placeOrder('POINTS', [201, 409]), name: 'order' },
  ],
})

const hotOf = (ctx: StepContext): number => {
  if (ctx.data.hotProductId === undefined)
    throw new Error('scenario data has no hot product: run with --prepare or seed first')
  return ctx.data.hotProductId
}

/** The sale-day mix: mostly browsing, buying in every form the API offers. */
export const saleMix = (): Journey[] => [
  browse(50),
  buyNow(20),
  payLater(8),
  buyThenCancel(4),
  claimCoupon(10),
  charge(8),
]
