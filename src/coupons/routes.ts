import { Type } from 'typebox'
import { assertActsAs } from '../auth/index.js'
import { principalOf } from '../http/auth-hook.js'
import { Id, NullableTimestamp, problems, Timestamp, UserIdParams } from '../http/schemas.js'
import type { App } from '../http/types.js'
import type { Clock } from '../platform/clock/index.js'
import type { Db } from '../platform/db/index.js'
import { createCoupon, getCoupon, listIssuableCoupons } from './coupons.js'
import { grantCoupon, issueCoupon } from './issue.js'
import type { IssueGate } from './issue-gate.js'
import { listUserCoupons } from './user-coupons.js'

const DiscountType = Type.Union([Type.Literal('FIXED'), Type.Literal('RATE')])
const Won = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })
const Coupon = Type.Object({
  id: Id,
  name: Type.String(),
  discountType: DiscountType,
  discountValue: Type.Integer(),
  maxDiscount: Type.Union([Type.Integer(), Type.Null()]),
  minOrderAmount: Type.Integer(),
  totalQuantity: Type.Integer(),
  issuedQuantity: Type.Integer(),
  remainingQuantity: Type.Integer(),
  issueStartsAt: NullableTimestamp,
  issueEndsAt: NullableTimestamp,
  validDays: Type.Integer(),
})
const UserCouponStatus = Type.Union([
  Type.Literal('AVAILABLE'),
  Type.Literal('USED'),
  Type.Literal('EXPIRED'),
])
export const UserCoupon = Type.Object({
  id: Id,
  couponId: Id,
  userId: Id,
  name: Type.String(),
  discountType: DiscountType,
  discountValue: Type.Integer(),
  maxDiscount: Type.Union([Type.Integer(), Type.Null()]),
  minOrderAmount: Type.Integer(),
  status: UserCouponStatus,
  issuedAt: Timestamp,
  expiresAt: Timestamp,
})
const CouponParams = Type.Object({ couponId: Id }, { additionalProperties: false })

export function couponRoutes(
  app: App,
  deps: { db: Db; readDb: Db; clock: Clock; gate: IssueGate; onIssued?: (count: number) => void },
): void {
  const { db, readDb, clock } = deps

  // Coupon pages are browsing: under overload or while the database is away they get their last
  // good answer (remaining counts a little old); claiming checks the live count.
  app.get('/api/v1/coupons', {
    config: { access: 'public', priority: 'sheddable', stale: true },
    schema: {
      tags: ['coupons'],
      summary: 'Coupons that can be claimed now',
      response: { 200: Type.Object({ items: Type.Array(Coupon) }) },
    },
    handler: async () => ({ items: await listIssuableCoupons(readDb, clock.now()) }),
  })

  app.get('/api/v1/coupons/:couponId', {
    config: { access: 'public', priority: 'sheddable', stale: true },
    schema: {
      tags: ['coupons'],
      summary: 'One coupon',
      params: CouponParams,
      response: { 200: Coupon, ...problems(400, 404) },
    },
    handler: (req) => getCoupon(readDb, req.params.couponId),
  })

  app.post('/api/v1/coupons/:couponId/issue', {
    config: { priority: 'important' },
    schema: {
      tags: ['coupons'],
      summary: 'Claim a coupon (first come, first served; one per user)',
      params: CouponParams,
      body: Type.Object({ userId: Id }, { additionalProperties: false }),
      response: { 201: UserCoupon, ...problems(400, 401, 403, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      assertActsAs(principalOf(req), req.body.userId)
      const issued = await issueCoupon(deps, req.params.couponId, req.body.userId)
      reply.code(201)
      return issued
    },
  })

  app.get('/api/v1/coupons/users/:userId', {
    schema: {
      tags: ['coupons'],
      summary: "A user's coupons",
      params: UserIdParams,
      querystring: Type.Object({ status: Type.Optional(UserCouponStatus) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(UserCoupon) }), ...problems(400, 401, 403) },
    },
    handler: async (req) => {
      assertActsAs(principalOf(req), req.params.userId)
      return { items: await listUserCoupons(db, req.params.userId, req.query.status, clock.now()) }
    },
  })

  app.post('/api/v1/admin/coupons', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'],
      summary: 'Create a coupon',
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          discountType: DiscountType,
          discountValue: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
          maxDiscount: Type.Optional(Won),
          minOrderAmount: Type.Optional(Won),
          totalQuantity: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
          issueStartsAt: Type.Optional(Timestamp),
          issueEndsAt: Type.Optional(Timestamp),
          validDays: Type.Integer({ minimum: 1, maximum: 3650 }),
        },
        { additionalProperties: false },
      ),
      response: { 201: Coupon, ...problems(400, 401, 403) },
    },
    handler: async (req, reply) => {
      const coupon = await createCoupon(deps, req.body)
      reply.code(201)
      return coupon
    },
  })

  app.post('/api/v1/admin/coupons/:couponId/grants', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'],
      summary: 'Compensation grant: give the coupon to users who lack it (all or nothing)',
      params: CouponParams,
      body: Type.Object(
        { userIds: Type.Array(Id, { minItems: 1, maxItems: 10_000 }) },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ granted: Type.Integer(), skipped: Type.Integer() }),
        ...problems(400, 401, 403, 404, 409),
      },
    },
    handler: (req) => grantCoupon(deps, req.params.couponId, req.body.userIds),
  })
}
