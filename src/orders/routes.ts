import { Type } from 'typebox'
import { assertActsAs } from '../auth/index.js'
import { principalOf } from '../http/auth-hook.js'
import type { Idempotency } from '../http/idempotency.js'
import { Id, NullableTimestamp, PageQuery, problems, Timestamp, UserIdParams } from '../http/schemas.js'
import type { App } from '../http/types.js'
import { cancelOrder } from './cancel-order.js'
import { type OrderCommandDeps, payOrder } from './pay-order.js'
import { placeOrder } from './place-order.js'
import { getOrder, listOrders } from './queries.js'

export const OrderSchema = Type.Object({
  id: Id,
  userId: Id,
  status: Type.Union([
    Type.Literal('PENDING_PAYMENT'),
    Type.Literal('PAID'),
    Type.Literal('EXPIRED'),
    Type.Literal('CANCELLED'),
  ]),
  items: Type.Array(
    Type.Object({
      productId: Id,
      name: Type.String(),
      unitPrice: Type.Integer(),
      quantity: Type.Integer(),
      amount: Type.Integer(),
    }),
  ),
  totalAmount: Type.Integer(),
  discountAmount: Type.Integer(),
  payAmount: Type.Integer(),
  userCouponId: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
  paidAt: NullableTimestamp,
  expiresAt: NullableTimestamp,
  cancelledAt: NullableTimestamp,
})
const OrderParams = Type.Object({ orderId: Id }, { additionalProperties: false })

export function orderRoutes(
  app: App,
  deps: OrderCommandDeps & {
    paymentTtlSeconds: number
    maxQuantityPerLine: number
    idempotency: Idempotency
  },
): void {
  const { idempotency } = deps
  // Checkout is what a sale is for: orders, payment and cancel keep capacity when reads are shed.
  // Orders are written in shared batches (group commit on SQLite, order-batcher.ts on a server
  // database): their latency rises with the batch, which is throughput, so it does not steer the limit.
  // Each writes its Idempotency-Key and answer in its own transaction (keyWithResult).
  app.post('/api/v1/orders', {
    config: { priority: 'critical', batched: true, keyWithResult: true },
    schema: {
      tags: ['orders'],
      summary:
        'Place an order; with POINTS (default) it is paid at once, with LATER stock and coupon are held until expiresAt',
      body: Type.Object(
        {
          userId: Id,
          items: Type.Array(
            Type.Object(
              { productId: Id, quantity: Type.Integer({ minimum: 1, maximum: deps.maxQuantityPerLine }) },
              { additionalProperties: false },
            ),
            { minItems: 1, maxItems: 50 },
          ),
          userCouponId: Type.Optional(Id),
          payment: Type.Optional(Type.Union([Type.Literal('POINTS'), Type.Literal('LATER')])),
        },
        { additionalProperties: false },
      ),
      response: { 201: OrderSchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      assertActsAs(principalOf(req), req.body.userId)
      return idempotency.once(req, reply, 201, (receipt) => placeOrder(deps, req.body, receipt))
    },
  })

  app.post('/api/v1/orders/:orderId/payment', {
    config: { priority: 'critical', keyWithResult: true },
    schema: {
      tags: ['orders'],
      summary: 'Pay a pending order with points',
      params: OrderParams,
      response: { 200: OrderSchema, ...problems(400, 401, 404, 409, 422) },
    },
    handler: (req, reply) =>
      idempotency.once(req, reply, 200, (receipt) =>
        payOrder(deps, principalOf(req), req.params.orderId, receipt),
      ),
  })

  app.post('/api/v1/orders/:orderId/cancel', {
    config: { priority: 'critical', keyWithResult: true },
    schema: {
      tags: ['orders'],
      summary: 'Cancel an order: stock and coupon are released, a paid order is refunded to points',
      params: OrderParams,
      response: { 200: OrderSchema, ...problems(400, 401, 404, 409, 422) },
    },
    handler: (req, reply) =>
      idempotency.once(req, reply, 200, (receipt) =>
        cancelOrder(deps, principalOf(req), req.params.orderId, receipt),
      ),
  })

  app.get('/api/v1/orders/:orderId', {
    schema: {
      tags: ['orders'],
      summary: 'One order',
      params: OrderParams,
      response: { 200: OrderSchema, ...problems(400, 401, 404) },
    },
    handler: (req) => getOrder(deps, principalOf(req), req.params.orderId),
  })

  app.get('/api/v1/orders/users/:userId', {
    schema: {
      tags: ['orders'],
      summary: "A user's orders, newest first",
      params: UserIdParams,
      querystring: PageQuery,
      response: {
        200: Type.Object({
          items: Type.Array(OrderSchema),
          nextCursor: Type.Union([Type.String(), Type.Null()]),
        }),
        ...problems(400, 401, 403),
      },
    },
    handler: (req) => {
      assertActsAs(principalOf(req), req.params.userId)
      return listOrders(deps, req.params.userId, { limit: req.query.limit ?? 20, cursor: req.query.cursor })
    },
  })
}
