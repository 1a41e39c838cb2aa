import { canSee, type Principal } from '../auth/index.js'
import type { Clock } from '../platform/clock/index.js'
import { cursorId, type Db, type OrderRow, type Page, pageOf } from '../platform/db/index.js'
import { notFound } from '../platform/errors/index.js'
import { loadItems, loadOrderRow, type Order, toOrder } from './order-view.js'
import { isOverdue } from './release.js'
import { expireOrder } from './sweeper.js'

/** The order if the caller may see it; someone else's order is indistinguishable from a missing one. */
export async function findVisibleOrder(db: Db, principal: Principal, orderId: number): Promise<OrderRow> {
  const order = await loadOrderRow(db, orderId)
  if (!order || !canSee(principal, Number(order.user_id))) throw notFound('order', orderId)
  return order
}

/**
 * Reading an order touches it: one whose payment window closed is expired now (releasing what it
 * held) rather than shown as still pending until the next sweep.
 */
export async function getOrder(
  deps: { db: Db; clock: Clock },
  principal: Principal,
  orderId: number,
): Promise<Order> {
  const { db } = deps
  let row = await findVisibleOrder(db, principal, orderId)
  const now = deps.clock.now()
  if (isOverdue(row, now) && (await expireOrder(db, orderId, now))) row = (await loadOrderRow(db, orderId))!
  return toOrder(row, await loadItems(db, [orderId]))
}

/** A user's orders, newest first. */
export async function listOrders(
  deps: { db: Db; clock: Clock },
  userId: number,
  query: { limit: number; cursor?: string },
): Promise<Page<Order>> {
  const { db } = deps
  const now = deps.clock.now()
  const before = cursorId(query.cursor)
  let q = db
    .selectFrom('orders')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
  if (before !== undefined) q = q.where('id', '<', before)
  let rows = await q.execute()
  const overdue = rows.filter((r) => isOverdue(r, now))
  if (overdue.length > 0) {
    for (const r of overdue) await expireOrder(db, Number(r.id), now)
    rows = await q.execute()
  }
  const page = pageOf(rows, query.limit)
  const items = await loadItems(
    db,
    page.items.map((r) => Number(r.id)),
  )
  return {
    items: page.items.map((r) =>
      toOrder(
        r,
        items.filter((i) => Number(i.order_id) === Number(r.id)),
      ),
    ),
    nextCursor: page.nextCursor,
  }
}
