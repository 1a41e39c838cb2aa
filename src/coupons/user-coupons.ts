import type { Db } from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'
import { type Coupon, discountFor } from './coupons.js'

export type UserCouponStatus = 'AVAILABLE' | 'USED' | 'EXPIRED'

export interface UserCoupon {
  id: number
  couponId: number
  userId: number
  name: string
  discountType: Coupon['discountType']
  discountValue: number
  maxDiscount: number | null
  minOrderAmount: number
  status: UserCouponStatus
  issuedAt: string
  expiresAt: string
}

function selectUserCoupons(db: Db) {
  return db
    .selectFrom('user_coupons as uc')
    .innerJoin('coupons as c', 'c.id', 'uc.coupon_id')
    .select([
      'uc.id',
      'uc.coupon_id',
      'uc.user_id',
      'uc.status',
      'uc.issued_at',
      'uc.expires_at',
      'c.name',
      'c.discount_type',
      'c.discount_value',
      'c.max_discount',
      'c.min_order_amount',
    ])
}

type Row = Awaited<ReturnType<ReturnType<typeof selectUserCoupons>['executeTakeFirstOrThrow']>>

/** EXPIRED is derived: an unused coupon past its validity is expired without anyone writing it. */
function toUserCoupon(row: Row, now: number): UserCoupon {
  const expired = row.status === 'AVAILABLE' && Number(row.expires_at) <= now
  return {
    id: Number(row.id),
    couponId: Number(row.coupon_id),
    userId: Number(row.user_id),
    name: row.name,
    discountType: row.discount_type,
    discountValue: Number(row.discount_value),
    maxDiscount: row.max_discount === null ? null : Number(row.max_discount),
    minOrderAmount: Number(row.min_order_amount),
    status: expired ? 'EXPIRED' : row.status,
    issuedAt: new Date(Number(row.issued_at)).toISOString(),
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
  }
}

export async function getUserCoupon(db: Db, id: number, now: number): Promise<UserCoupon | undefined> {
  const row = await selectUserCoupons(db).where('uc.id', '=', id).executeTakeFirst()
  return row && toUserCoupon(row, now)
}

export async function listUserCoupons(
  db: Db,
  userId: number,
  status: UserCouponStatus | undefined,
  now: number,
): Promise<UserCoupon[]> {
  let q = selectUserCoupons(db).where('uc.user_id', '=', userId).orderBy('uc.id', 'desc').limit(1000)
  if (status === 'USED') q = q.where('uc.status', '=', 'USED')
  if (status === 'AVAILABLE') q = q.where('uc.status', '=', 'AVAILABLE').where('uc.expires_at', '>', now)
  if (status === 'EXPIRED') q = q.where('uc.status', '=', 'AVAILABLE').where('uc.expires_at', '<=', now)
  return (await q.execute()).map((r) => toUserCoupon(r, now))
}

/**
 * Checks that the user's coupon can pay part of an order of `totalAmount` and returns the discount.
 * Any reason it cannot (not theirs, used, expired, order too small) is COUPON_NOT_USABLE.
 */
export async function quoteCoupon(
  trx: Db,
  input: { userCouponId: number; userId: number; totalAmount: number; now: number },
): Promise<number> {
  const uc = await getUserCoupon(trx, input.userCouponId, input.now)
  const refuse = (why: string) => new AppError('COUPON_NOT_USABLE', `coupon ${input.userCouponId} ${why}`)
  if (!uc || uc.userId !== input.userId) throw refuse('is not one of your coupons')
  if (uc.status === 'USED') throw refuse('was already used')
  if (uc.status === 'EXPIRED') throw refuse(`expired at ${uc.expiresAt}`)
  if (input.totalAmount < uc.minOrderAmount) {
    throw refuse(`needs an order of at least ${uc.minOrderAmount}; this one is ${input.totalAmount}`)
  }
  return discountFor(uc, input.totalAmount)
}

/** Marks the coupon used by an order; conditional, so two orders can never both take it. */
export async function markCouponUsed(
  trx: Db,
  userCouponId: number,
  orderId: number,
  now: number,
): Promise<void> {
  const result = await trx
    .updateTable('user_coupons')
    .set({ status: 'USED', order_id: orderId, used_at: now })
    .where('id', '=', userCouponId)
    .where('status', '=', 'AVAILABLE')
    .where('expires_at', '>', now)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) {
    throw new AppError('COUPON_NOT_USABLE', `coupon ${userCouponId} was already used`)
  }
}

/** Gives the coupon back when its order is cancelled or expires (it shows EXPIRED if past validity). */
export async function releaseCoupon(trx: Db, userCouponId: number, orderId: number): Promise<void> {
  await trx
    .updateTable('user_coupons')
    .set({ status: 'AVAILABLE', order_id: null, used_at: null })
    .where('id', '=', userCouponId)
    .where('order_id', '=', orderId)
    .execute()
}
