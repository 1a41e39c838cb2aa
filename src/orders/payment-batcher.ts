import type { Db } from '../platform/db/index.js'
import { type CommandPolicy, OrderCommandBatcher } from './command-batcher.js'
import { isOverdue } from './release.js'

/**
 * Payments of pending orders, batched (command-batcher.ts): a payable order within its window and
 * above zero, paid from its owner's points. An order free after its coupon, overdue or already
 * paid goes the single path, which pays it, expires it or answers with the exact error.
 */
export const payment: CommandPolicy = {
  to: 'PAID',
  from: ['PENDING_PAYMENT'],
  stamp: 'paid_at',
  event: 'order.paid',
  takes: (order, now) =>
    order.status === 'PENDING_PAYMENT' && !isOverdue(order, now) && Number(order.pay_amount) > 0,
  points: (order) => -Number(order.pay_amount),
  history: 'PAYMENT',
}

const batchers = new WeakMap<Db, OrderCommandBatcher>()

/** Lets `payOrder` batch payments on this (server) database; the composition root decides. */
export function usePaymentBatching(db: Db): void {
  batchers.set(db, new OrderCommandBatcher(db, payment))
}

export const paymentBatcherFor = (db: Db): OrderCommandBatcher | undefined => batchers.get(db)
