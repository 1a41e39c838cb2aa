import type { Principal } from '../auth/index.js'
import { appendEvents } from '../outbox/index.js'
import type { Clock } from '../platform/clock/index.js'
import {
  claimReceipt,
  completeReceipt,
  type Db,
  type Receipt,
  releaseReceipt,
  transact,
} from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'
import { debitForOrder } from '../points/index.js'
import { eventPayload, loadItems, type Order, toOrder } from './order-view.js'
import { paymentBatcherFor } from './payment-batcher.js'
import { findVisibleOrder } from './queries.js'
import { endOrder, isOverdue } from './release.js'

export interface OrderCommandDeps {
  db: Db
  clock: Clock
  onCommitted?: () => void
}

/** Pays a PENDING_PAYMENT order with the owner's points; the receipt, if any, commits with the payment. */
export async function payOrder(
  deps: OrderCommandDeps,
  principal: Principal,
  orderId: number,
  receipt?: Receipt<Order>,
): Promise<Order> {
  const now = deps.clock.now()
  const batched = await paymentBatcherFor(deps.db)?.run(principal, orderId, now, receipt)
  if (batched) {
    deps.onCommitted?.()
    return batched
  }
  const outcome = await transact(deps.db, async (trx, unit) => {
    await claimReceipt(trx, receipt)
    const order = await findVisibleOrder(trx, principal, orderId)
    if (isOverdue(order, now)) {
      // The window closed before anyone swept it: expire now (committed), then refuse.
      await endOrder(trx, unit, order, 'EXPIRED', now)
      // This commits, though the request is refused: its key is left for the refusal's answer.
      await releaseReceipt(trx, receipt)
      return 'expired' as const
    }
    if (order.status === 'EXPIRED') {
      await releaseReceipt(trx, receipt)
      return 'expired' as const
    }
    if (order.status !== 'PENDING_PAYMENT') {
      throw new AppError('ORDER_NOT_PAYABLE', `order ${orderId} is ${order.status}`)
    }
    const moved = await trx
      .updateTable('orders')
      .set({ status: 'PAID', paid_at: now, updated_at: now })
      .where('id', '=', orderId)
      .where('status', '=', 'PENDING_PAYMENT')
      .executeTakeFirst()
    if (Number(moved.numUpdatedRows) !== 1)
      throw new AppError('ORDER_NOT_PAYABLE', `order ${orderId} changed meanwhile`)
    await debitForOrder(trx, Number(order.user_id), Number(order.pay_amount), orderId, now)
    const paid = toOrder(
      { ...order, status: 'PAID', paid_at: now, updated_at: now },
      await loadItems(trx, [orderId]),
    )
    await appendEvents(trx, now, [{ type: 'order.paid', aggregateId: orderId, payload: eventPayload(paid) }])
    await completeReceipt(trx, receipt, paid)
    return paid
  })
  deps.onCommitted?.()
  if (outcome === 'expired')
    throw new AppError('ORDER_EXPIRED', `order ${orderId} expired before it was paid`)
  return outcome
}
