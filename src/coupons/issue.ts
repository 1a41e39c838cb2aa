import type { Clock } from '../platform/clock/index.js'
import { type Db, isUniqueViolation, transact } from '../platform/db/index.js'
import { AppError, notFound } from '../platform/errors/index.js'
import { assertIssuable, validUntil } from './coupons.js'
import { type IssueGate, openIssueGate } from './issue-gate.js'
import { getUserCoupon, type UserCoupon } from './user-coupons.js'

export interface IssueDeps {
  db: Db
  clock: Clock
  gate?: IssueGate
  /** Told how many coupons were issued, once committed (the business metrics count them). */
  onIssued?: (count: number) => void
}

/**
 * Claims one coupon for a user, first come first served. The quantity check is a conditional
 * increment and one-per-user is a unique key, so both hold under any concurrency; a losing
 * racer's transaction rolls back whole.
 */
export async function issueCoupon(deps: IssueDeps, couponId: number, userId: number): Promise<UserCoupon> {
  const now = deps.clock.now()
  // An exhausted coupon or a second claim is refused here, before the database.
  const admission = await (deps.gate ?? openIssueGate).admit(couponId, userId)
  let id: number
  try {
    id = await insertUserCoupon(deps.db, couponId, userId, now)
  } catch (error) {
    await admission.undo(error instanceof AppError ? error.code : undefined)
    throw error
  }
  deps.onIssued?.(1)
  return (await getUserCoupon(deps.db, id, now))!
}

async function insertUserCoupon(db: Db, couponId: number, userId: number, now: number): Promise<number> {
  try {
    return await transact(db, async (trx) => {
      const coupon = await trx.selectFrom('coupons').selectAll().where('id', '=', couponId).executeTakeFirst()
      if (!coupon) throw notFound('coupon', couponId)
      assertIssuable(coupon, now)
      const had = await trx
        .selectFrom('user_coupons')
        .select('id')
        .where('coupon_id', '=', couponId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      if (had) throw alreadyIssued(couponId, userId)
      const taken = await trx
        .updateTable('coupons')
        .set((eb) => ({ issued_quantity: eb('issued_quantity', '+', 1) }))
        .where('id', '=', couponId)
        .whereRef('issued_quantity', '<', 'total_quantity')
        .executeTakeFirst()
      if (Number(taken.numUpdatedRows) === 0)
        throw new AppError('COUPON_SOLD_OUT', `coupon ${couponId} is sold out`)
      const inserted = await trx
        .insertInto('user_coupons')
        .values({
          coupon_id: couponId,
          user_id: userId,
          status: 'AVAILABLE',
          order_id: null,
          issued_at: now,
          expires_at: validUntil(coupon, now),
          used_at: null,
        })
        .executeTakeFirstOrThrow()
      return Number(inserted.insertId)
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyIssued(couponId, userId)
    throw error
  }
}

const alreadyIssued = (couponId: number, userId: number) =>
  new AppError('COUPON_ALREADY_ISSUED', `user ${userId} already has coupon ${couponId}`)

/**
 * An admin's compensation grant: gives the coupon to every listed user who lacks it, regardless of
 * the claim window. It counts against the quantity and is all or nothing.
 */
export async function grantCoupon(
  deps: IssueDeps,
  couponId: number,
  userIds: number[],
): Promise<{ granted: number; skipped: number }> {
  const now = deps.clock.now()
  const wanted = [...new Set(userIds)]
  const result = await transact(deps.db, async (trx) => {
    const coupon = await trx.selectFrom('coupons').selectAll().where('id', '=', couponId).executeTakeFirst()
    if (!coupon) throw notFound('coupon', couponId)
    const had = new Set<number>()
    for (let i = 0; i < wanted.length; i += 500) {
      const rows = await trx
        .selectFrom('user_coupons')
        .select('user_id')
        .where('coupon_id', '=', couponId)
        .where('user_id', 'in', wanted.slice(i, i + 500))
        .execute()
      for (const r of rows) had.add(Number(r.user_id))
    }
    const fresh = wanted.filter((u) => !had.has(u))
    if (fresh.length > 0) {
      const taken = await trx
        .updateTable('coupons')
        .set((eb) => ({ issued_quantity: eb('issued_quantity', '+', fresh.length) }))
        .where('id', '=', couponId)
        .where((eb) => eb(eb('issued_quantity', '+', fresh.length), '<=', eb.ref('total_quantity')))
        .executeTakeFirst()
      if (Number(taken.numUpdatedRows) === 0) {
        const left = Number(coupon.total_quantity) - Number(coupon.issued_quantity)
        throw new AppError('COUPON_SOLD_OUT', `the grant needs ${fresh.length} coupons; ${left} remain`)
      }
      const expiresAt = validUntil(coupon, now)
      for (let i = 0; i < fresh.length; i += 500) {
        await trx
          .insertInto('user_coupons')
          .values(
            fresh.slice(i, i + 500).map((userId) => ({
              coupon_id: couponId,
              user_id: userId,
              status: 'AVAILABLE' as const,
              order_id: null,
              issued_at: now,
              expires_at: expiresAt,
              used_at: null,
            })),
          )
          .execute()
      }
    }
    return { granted: fresh.length, skipped: userIds.length - fresh.length, grantedTo: fresh }
  })
  if (result.granted > 0) deps.onIssued?.(result.granted)
  await (deps.gate ?? openIssueGate).granted(couponId, result.grantedTo)
  return { granted: result.granted, skipped: result.skipped }
}
