import { returnStock } from '../catalog/index.js'
import type { Db } from '../platform/db/index.js'
import { type CommandPolicy, OrderCommandBatcher } from './command-batcher.js'
import { isOverdue } from './release.js'

/**
 * Cancels, batched (command-batcher.ts): a paid order, or a pending one within its window, without
 * a coupon. A paid order's points go back to its wallet, and every cancelled unit to its shelf in
 * one statement for the batch (returnStock). Giving a coupon back, and anything ended or overdue,
 * stays on the single path.
 */
export const cancellation: CommandPolicy = {
  to: 'CANCELLED',
  from: ['PENDING_PAYMENT', 'PAID'],
  stamp: 'cancelled_at',
  event: 'order.cancelled',
  takes: (order, now) =>
    order.user_coupon_id === null &&
    (order.status === 'PAID' || (order.status === 'PENDING_PAYMENT' && !isOverdue(order, now))),
  points: (order) => (order.status === 'PAID' ? Number(order.pay_amount) : 0),
  history: 'REFUND',
  // Products last, like the single path: every cancelled unit back in one statement.
  finish: (trx, unit, items, now) =>
    returnStock(
      trx,
      unit,
      items.map((i) => ({ productId: Number(i.product_id), quantity: Number(i.quantity) })),
      now,
    ),
}

const batchers = new WeakMap<Db, OrderCommandBatcher>()

/** Lets `cancelOrder` batch cancels on this (server) database; the composition root decides. */
export function useCancelBatching(db: Db): void {
  batchers.set(db, new OrderCommandBatcher(db, cancellation))
}

export const cancelBatcherFor = (db: Db): OrderCommandBatcher | undefined => batchers.get(db)
