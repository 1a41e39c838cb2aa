import type { Config } from '../config/index.js'
import type { Clock } from '../platform/clock/index.js'
import {
  claimReceipt,
  completeReceipt,
  cursorId,
  type Db,
  type Page,
  pageOf,
  type Receipt,
  transact,
} from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'
import { creditCharge, readBalance } from './wallet.js'

export interface PointsEntry {
  id: number
  type: 'CHARGE' | 'PAYMENT' | 'REFUND'
  amount: number
  balanceAfter: number
  orderId: number | null
  createdAt: string
}

export const getBalance = async (db: Db, userId: number) => ({
  userId,
  balance: await readBalance(db, userId),
})

/** Adds points to a wallet (a top-up paid elsewhere). */
export async function chargePoints(
  deps: {
    db: Db
    clock: Clock
    config: Pick<Config, 'points'>
    /** Told the amount once the charge committed (the business metrics count it). */
    onCharged?: (amount: number) => void
  },
  userId: number,
  amount: number,
  receipt?: Receipt<Charged>,
): Promise<Charged> {
  const { minCharge, maxCharge, maxBalance } = deps.config.points
  if (amount < minCharge || amount > maxCharge) {
    throw new AppError('VALIDATION_FAILED', `amount must be between ${minCharge} and ${maxCharge}`, {
      errors: [{ path: 'body/amount', message: `must be between ${minCharge} and ${maxCharge}` }],
    })
  }
  const charged = await transact(deps.db, async (trx) => {
    await claimReceipt(trx, receipt)
    const balance = await creditCharge(trx, userId, amount, maxBalance, deps.clock.now())
    const result = { userId, balance, charged: amount }
    await completeReceipt(trx, receipt, result)
    return result
  })
  deps.onCharged?.(amount)
  return charged
}

export interface Charged {
  userId: number
  balance: number
  charged: number
}

export async function pointsHistory(
  db: Db,
  userId: number,
  query: { limit: number; cursor?: string },
): Promise<Page<PointsEntry>> {
  const before = cursorId(query.cursor)
  let q = db
    .selectFrom('point_transactions')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
  if (before !== undefined) q = q.where('id', '<', before)
  const rows = await q.execute()
  return pageOf(
    rows.map((r) => ({
      id: Number(r.id),
      type: r.type,
      amount: Number(r.amount),
      balanceAfter: Number(r.balance_after),
      orderId: r.order_id === null ? null : Number(r.order_id),
      createdAt: new Date(Number(r.created_at)).toISOString(),
    })),
    query.limit,
  )
}
