import type { Clock } from '../platform/clock/index.js'
import { DAY } from '../platform/clock/index.js'
import type { CouponRow, Db, DiscountType } from '../platform/db/index.js'
import { AppError, type FieldError, notFound, validationFailed } from '../platform/errors/index.js'

export interface Coupon {
  id: number
  name: string
  discountType: DiscountType
  discountValue: number
  maxDiscount: number | null
  minOrderAmount: number
  totalQuantity: number
  issuedQuantity: number
  remainingQuantity: number
  issueStartsAt: string | null
  issueEndsAt: string | null
  validDays: number
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString())

export function toCoupon(row: CouponRow): Coupon {
  return {
    id: Number(row.id),
    name: row.name,
    discountType: row.discount_type,
    discountValue: Number(row.discount_value),
    maxDiscount: row.max_discount === null ? null : Number(row.max_discount),
    minOrderAmount: Number(row.min_order_amount),
    totalQuantity: Number(row.total_quantity),
    issuedQuantity: Number(row.issued_quantity),
    remainingQuantity: Number(row.total_quantity) - Number(row.issued_quantity),
    issueStartsAt: iso(row.issue_starts_at),
    issueEndsAt: iso(row.issue_ends_at),
    validDays: Number(row.valid_days),
  }
}

export interface NewCoupon {
  name: string
  discountType: DiscountType
  discountValue: number
  maxDiscount?: number
  minOrderAmount?: number
  totalQuantity: number
  issueStartsAt?: string
  issueEndsAt?: string
  validDays: number
}

/** The discount a coupon gives on an order total: FIXED won off, or RATE percent (floored, capped). */
export function discountFor(
  coupon: Pick<Coupon, 'discountType' | 'discountValue' | 'maxDiscount'>,
  totalAmount: number,
): number {
  const raw =
    coupon.discountType === 'FIXED'
      ? coupon.discountValue
      : Math.floor((totalAmount * coupon.discountValue) / 100)
  const capped = coupon.maxDiscount === null ? raw : Math.min(raw, coupon.maxDiscount)
  return Math.min(capped, totalAmount)
}

export async function createCoupon(deps: { db: Db; clock: Clock }, input: NewCoupon): Promise<Coupon> {
  const errors: FieldError[] = []
  if (input.discountType === 'RATE' && input.discountValue > 100) {
    errors.push({ path: 'body/discountValue', message: 'a RATE discount is a percentage from 1 to 100' })
  }
  const starts = input.issueStartsAt ? Date.parse(input.issueStartsAt) : null
  const ends = input.issueEndsAt ? Date.parse(input.issueEndsAt) : null
  if (starts !== null && ends !== null && ends <= starts) {
    errors.push({ path: 'body/issueEndsAt', message: 'must be after issueStartsAt' })
  }
  if (errors.length > 0) throw validationFailed(errors)
  const row = {
    name: input.name,
    discount_type: input.discountType,
    discount_value: input.discountValue,
    max_discount: input.maxDiscount ?? null,
    min_order_amount: input.minOrderAmount ?? 0,
    total_quantity: input.totalQuantity,
    issued_quantity: 0,
    issue_starts_at: starts,
    issue_ends_at: ends,
    valid_days: input.validDays,
    created_at: deps.clock.now(),
  }
  const result = await deps.db.insertInto('coupons').values(row).executeTakeFirstOrThrow()
  return toCoupon({ ...row, id: Number(result.insertId) })
}

export async function getCoupon(db: Db, id: number): Promise<Coupon> {
  const row = await db.selectFrom('coupons').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw notFound('coupon', id)
  return toCoupon(row)
}

/** Coupons a user could claim right now: inside their window and not sold out. */
export async function listIssuableCoupons(db: Db, now: number): Promise<Coupon[]> {
  const rows = await db
    .selectFrom('coupons')
    .selectAll()
    .where((eb) => eb.or([eb('issue_starts_at', 'is', null), eb('issue_starts_at', '<=', now)]))
    .where((eb) => eb.or([eb('issue_ends_at', 'is', null), eb('issue_ends_at', '>', now)]))
    .whereRef('issued_quantity', '<', 'total_quantity')
    .orderBy('id')
    .limit(100)
    .execute()
  return rows.map(toCoupon)
}

export function assertIssuable(row: CouponRow, now: number): void {
  if (row.issue_starts_at !== null && now < Number(row.issue_starts_at)) {
    throw new AppError(
      'COUPON_NOT_ISSUABLE',
      `coupon ${row.id} can be claimed from ${iso(row.issue_starts_at)}`,
    )
  }
  if (row.issue_ends_at !== null && now >= Number(row.issue_ends_at)) {
    throw new AppError(
      'COUPON_NOT_ISSUABLE',
      `coupon ${row.id} could be claimed until ${iso(row.issue_ends_at)}`,
    )
  }
}

export const validUntil = (row: Pick<CouponRow, 'valid_days'>, issuedAt: number) =>
  issuedAt + Number(row.valid_days) * DAY
