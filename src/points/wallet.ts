import { sql } from 'kysely'
import { affected, type Db, type PointTxType } from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'

/**
 * Every balance change is one conditional UPDATE plus one history row, in the caller's
 * transaction; the condition (enough points, under the cap) is checked by the database in the
 * same statement that writes, so concurrent payments can never overdraw a wallet. The history row
 * copies the new balance from the wallet row in the statement that inserts it (the UPDATE holds
 * that row's lock until commit), so a payment or refund costs two statements, not three.
 * Raw SQL: hot path (platform/db/raw.ts). Returns whether the guard let the change through.
 */
async function move(
  trx: Db,
  change: { userId: number; amount: number; type: PointTxType; orderId: number | null; now: number },
  guard: { min?: number; max?: number },
): Promise<boolean> {
  const { userId, amount, now } = change
  // Only money coming in can create a wallet; a debit on a missing wallet simply finds no row.
  if (amount > 0) {
    await trx
      .insertInto('point_wallets')
      .orIgnore()
      .values({ user_id: userId, balance: 0, updated_at: now })
      .execute()
  }
  const min = guard.min === undefined ? sql`` : sql` and balance + ${amount} >= ${guard.min}`
  const max = guard.max === undefined ? sql`` : sql` and balance + ${amount} <= ${guard.max}`
  const updated = await sql`update point_wallets set balance = balance + ${amount}, updated_at = ${now}
    where user_id = ${userId}${min}${max}`.execute(trx)
  if (affected(updated) === 0) return false
  await sql`insert into point_transactions (user_id, type, amount, balance_after, order_id, created_at)
    select ${userId}, ${change.type}, ${amount}, balance, ${change.orderId}, ${now}
    from point_wallets where user_id = ${userId}`.execute(trx)
  return true
}

export async function readBalance(db: Db, userId: number): Promise<number> {
  const { rows } = await sql<{
    balance: number
  }>`select balance from point_wallets where user_id = ${userId}`.execute(db)
  return Number(rows[0]?.balance ?? 0)
}

/** Adds charged points, refusing to pass `maxBalance`. */
export async function creditCharge(trx: Db, userId: number, amount: number, maxBalance: number, now: number) {
  const moved = await move(trx, { userId, amount, type: 'CHARGE', orderId: null, now }, { max: maxBalance })
  if (!moved) {
    throw new AppError(
      'POINTS_LIMIT_EXCEEDED',
      `charging ${amount} would pass the maximum balance of ${maxBalance}`,
    )
  }
  return readBalance(trx, userId)
}

/** Pays for an order. Throws INSUFFICIENT_POINTS (and the caller's transaction rolls back). */
export async function debitForOrder(
  trx: Db,
  userId: number,
  amount: number,
  orderId: number,
  now: number,
): Promise<void> {
  if (amount === 0) return
  if (await move(trx, { userId, amount: -amount, type: 'PAYMENT', orderId, now }, { min: 0 })) return
  const has = await readBalance(trx, userId)
  throw new AppError('INSUFFICIENT_POINTS', `the order costs ${amount} points; the balance is ${has}`, {
    required: amount,
    balance: has,
  })
}

/**
 * Refunds a cancelled order. Never refused: a refund returns what was paid, so it may lift a
 * balance above the charge cap (which limits new money only).
 */
export async function refundOrder(
  trx: Db,
  userId: number,
  amount: number,
  orderId: number,
  now: number,
): Promise<void> {
  if (amount > 0) await move(trx, { userId, amount, type: 'REFUND', orderId, now }, {})
}
