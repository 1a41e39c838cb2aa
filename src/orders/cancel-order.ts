import type { Principal } from '../auth/index.js'
import {
  claimReceipt,
  completeReceipt,
  type Receipt,
  releaseReceipt,
  transact,
} from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'
import { cancelBatcherFor } from './cancel-batcher.js'
import type { Order } from './order-view.js'
import type { OrderCommandDeps } from './pay-order.js'
import { findVisibleOrder } from './queries.js'
import { endOrder, isOverdue } from './release.js'

/**
 * Cancels an unpaid or paid order: stock and coupon come back, and a paid order is refunded to
 * points. An unpaid order whose window already closed is expired instead (and the cancel refused).
 * The receipt, if any, commits with the cancellation.
 */
export async function cancelOrder(
  deps: OrderCommandDeps,
  principal: Principal,
  orderId: number,
  receipt?: Receipt<Order>,
): Promise<Order> {
  const now = deps.clock.now()
  const batched = await cancelBatcherFor(deps.db)?.run(principal, orderId, now, receipt)
  if (batched) {
    deps.onCommitted?.()
    return batched
  }
  const outcome = await transact(deps.db, async (trx, unit) => {
    await claimReceipt(trx, receipt)
    const order = await findVisibleOrder(trx, principal, orderId)
    if (isOverdue(order, now)) {
      await endOrder(trx, unit, order, 'EXPIRED', now)
      // This commits, though the request is refused: its key is left for the refusal's answer.
      await releaseReceipt(trx, receipt)
      return 'expired' as const
    }
    const cancelled = await endOrder(trx, unit, order, 'CANCELLED', now)
    if (!cancelled) throw new AppError('ORDER_NOT_CANCELLABLE', `order ${orderId} is ${order.status}`)
    await completeReceipt(trx, receipt, cancelled)
    return cancelled
  })
  deps.onCommitted?.()
  if (outcome === 'expired')
    throw new AppError('ORDER_NOT_CANCELLABLE', `order ${orderId} expired before it was paid`)
  return outcome
}
