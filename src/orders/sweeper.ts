import type { Clock } from '../platform/clock/index.js'
import { type Db, transact } from '../platform/db/index.js'
import { loadOrderRow } from './order-view.js'
import { endOrder, isOverdue } from './release.js'

/**
 * Expires unpaid orders whose payment window closed, releasing what they held. Each order is its
 * own short transaction (conditional on its status), so the sweep is safe to run from several
 * processes and never holds the write lock for long.
 */
export async function expireOverdueOrders(deps: { db: Db; clock: Clock }, batch = 100): Promise<number> {
  let expired = 0
  for (;;) {
    const now = deps.clock.now()
    const due = await deps.db
      .selectFrom('orders')
      .select('id')
      .where('status', '=', 'PENDING_PAYMENT')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(batch)
      .execute()
    for (const { id } of due) if (await expireOrder(deps.db, Number(id), now)) expired++
    if (due.length < batch) return expired
  }
}

/** Expires one overdue order in its own unit; false if it was paid, cancelled or expired meanwhile. */
export function expireOrder(db: Db, orderId: number, now: number): Promise<boolean> {
  return transact(db, async (trx, unit) => {
    const order = await loadOrderRow(trx, orderId)
    return order && isOverdue(order, now)
      ? (await endOrder(trx, unit, order, 'EXPIRED', now)) !== false
      : false
  })
}
