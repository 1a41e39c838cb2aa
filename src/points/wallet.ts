import type { Db, PointTxType } from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'

/**
 * Every balance change is one conditional UPDATE plus one history row, in the caller's
 * transaction; the condition (enough points, under the cap) is checked by the database in the
 * same statement that writes, so concurrent payments can never overdraw a wallet.
 */
async function move(
  trx: Db,
  change: { userId: number; amount: number; type: PointTxType; orderId: number | null; now: number },
  guard: { min?: number; max?: number },
): Promise<number | null> {
  const { userId, amount, now } = change
  await trx
    .insertInto('point_wallets')
    .orIgnore()
    .values({ user_id: userId, balance: 0, updated_at: now })
    .execute()
  let update = trx
    .updateTable('point_wallets')
    .set((eb) => ({ balance: eb('balance', '+', amount), updated_at: now }))
    .where('user_id', '=', userId)
  if (guard.min !== undefined) update = update.where((eb) => eb('balance', '+', amount), '>=', guard.min!)
  if (guard.max !== undefined) update = update.where((eb) => eb('balance', '+', amount), '<=', guard.max!)
  const result = await update.executeTakeFirst()
  if (Number(result.numUpdatedRows) === 0) return null
  const balance = await readBalance(trx, userId)
  await trx
    .insertInto('point_transactions')
    .values({
      user_id: userId,
      type: change.type,
      amount,
      balance_after: balance,
      order_id: change.orderId,
      created_at: now,
    })
    .execute()
  return balance
}

export async function readBalance(db: Db, userId: number): Promise<number> {
  const row = await db
    .selectFrom('point_wallets')
    .select('balance')
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return Number(row?.balance ?? 0)
}

/** Adds charged points, refusing to pass `maxBalance`. */
export async function creditCharge(trx: Db, userId: number, amount: number, maxBalance: number, now: number) {
  const balance = await move(trx, { userId, amount, type: 'CHARGE', orderId: null, now }, { max: maxBalance })
  if (balance === null) {
    throw new AppError(
      'POINTS_LIMIT_EXCEEDED',
      `charging ${amount} would pass the maximum balance of ${maxBalance}`,
    )
  }
  return balance
}

/** Pays for an order. Throws INSUFFICIENT_POINTS (and the caller's transaction rolls back). */
export async function debitForOrder(trx: Db, userId: number, amount: number, orderId: number, now: number) {
  if (amount === 0) return readBalance(trx, userId)
  const balance = await move(trx, { userId, amount: -amount, type: 'PAYMENT', orderId, now }, { min: 0 })
  if (balance === null) {
    const has = await readBalance(trx, userId)
    throw new AppError('INSUFFICIENT_POINTS', `the order costs ${amount} points; the balance is ${has}`, {
      required: amount,
      balance: has,
    })
  }
  return balance
}

/**
 * Refunds a cancelled order. Never refused: a refund returns what was paid, so it may lift a
 * balance above the charge cap (which limits new money only).
 */
export async function refundOrder(trx: Db, userId: number, amount: number, orderId: number, now: number) {
  if (amount === 0) return readBalance(trx, userId)
  return (await move(trx, { userId, amount, type: 'REFUND', orderId, now }, {}))!
}
