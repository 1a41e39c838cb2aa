import { canSee, type Principal } from '../auth/index.js'
import { cursorId, type Db, type OrderRow, type Page, pageOf } from '../platform/db/index.js'
import { notFound } from '../platform/errors/index.js'
import { loadItems, loadOrderRow, type Order, toOrder } from './order-view.js'

/** The order if the caller may see it; someone else's order is indistinguishable from a missing one. */
export async function findVisibleOrder(db: Db, principal: Principal, orderId: number): Promise<OrderRow> {
  const order = await loadOrderRow(db, orderId)
  if (!order || !canSee(principal, Number(order.user_id))) throw notFound('order', orderId)
  return order
}

export async function getOrder(db: Db, principal: Principal, orderId: number): Promise<Order> {
  const row = await findVisibleOrder(db, principal, orderId)
  return toOrder(row, await loadItems(db, [orderId]))
}

/** A user's orders, newest first. */
export async function listOrders(
  db: Db,
  userId: number,
  query: { limit: number; cursor?: string },
): Promise<Page<Order>> {
  const before = cursorId(query.cursor)
  let q = db
    .selectFrom('orders')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
  if (before !== undefined) q = q.where('id', '<', before)
  const rows = await q.execute()
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
