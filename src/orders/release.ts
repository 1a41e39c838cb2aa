import { returnStock } from '../catalog/index.js'
import { releaseCoupon } from '../coupons/index.js'
import { appendEvents } from '../outbox/index.js'
import type { Db, OrderRow, OrderStatus, Unit } from '../platform/db/index.js'
import { refundOrder } from '../points/index.js'
import { eventPayload, loadItems, type Order, toOrder } from './order-view.js'
import { canMove } from './state.js'

/**
 * Ends a live order as CANCELLED or EXPIRED in the caller's transaction: status (conditional on
 * the status it had), stock back on the shelf, coupon back to its owner, points refunded if it
 * was paid, and the event. Returns the ended order, or false if another request changed the order
 * first.
 */
export async function endOrder(
  trx: Db,
  unit: Unit,
  order: OrderRow,
  to: Extract<OrderStatus, 'CANCELLED' | 'EXPIRED'>,
  now: number,
): Promise<Order | false> {
  if (!canMove(order.status, to)) return false
  const change = { status: to, updated_at: now, ...(to === 'CANCELLED' ? { cancelled_at: now } : {}) }
  const moved = await trx
    .updateTable('orders')
    .set(change)
    .where('id', '=', order.id)
    .where('status', '=', order.status)
    .executeTakeFirst()
  if (Number(moved.numUpdatedRows) !== 1) return false
  const items = await loadItems(trx, [order.id])
  if (order.user_coupon_id !== null) await releaseCoupon(trx, Number(order.user_coupon_id), Number(order.id))
  if (order.status === 'PAID')
    await refundOrder(trx, Number(order.user_id), Number(order.pay_amount), Number(order.id), now)
  // Products after the wallet, as placing an order locks them: the same order everywhere, no deadlock.
  await returnStock(
    trx,
    unit,
    items.map((i) => ({ productId: Number(i.product_id), quantity: Number(i.quantity) })),
    now,
  )
  // The row as it now stands: the conditional update above changed only these columns, and holds
  // the row's lock until commit. Rebuilt here rather than read back (one round trip fewer).
  const ended = toOrder({ ...order, ...change }, items)
  await appendEvents(trx, now, [
    {
      type: to === 'CANCELLED' ? 'order.cancelled' : 'order.expired',
      aggregateId: ended.id,
      payload: eventPayload(ended),
    },
  ])
  return ended
}

/** True for an unpaid order whose payment window has closed. */
export const isOverdue = (order: OrderRow, now: number) =>
  order.status === 'PENDING_PAYMENT' && order.expires_at !== null && Number(order.expires_at) <= now
