import type { Db, OrderItemRow, OrderRow, OrderStatus } from '../platform/db/index.js'

export interface OrderLine {
  productId: number
  name: string
  unitPrice: number
  quantity: number
  amount: number
}

export interface Order {
  id: number
  userId: number
  status: OrderStatus
  items: OrderLine[]
  totalAmount: number
  discountAmount: number
  payAmount: number
  userCouponId: number | null
  createdAt: string
  paidAt: string | null
  expiresAt: string | null
  cancelledAt: string | null
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString())
const num = (v: number | null) => (v === null ? null : Number(v))

export function toOrder(
  row: OrderRow,
  items: Pick<OrderItemRow, 'product_id' | 'name' | 'unit_price' | 'quantity' | 'amount'>[],
): Order {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    status: row.status,
    items: items.map((i) => ({
      productId: Number(i.product_id),
      name: i.name,
      unitPrice: Number(i.unit_price),
      quantity: Number(i.quantity),
      amount: Number(i.amount),
    })),
    totalAmount: Number(row.total_amount),
    discountAmount: Number(row.discount_amount),
    payAmount: Number(row.pay_amount),
    userCouponId: num(row.user_coupon_id),
    createdAt: iso(row.created_at)!,
    paidAt: iso(row.paid_at),
    expiresAt: iso(row.expires_at),
    cancelledAt: iso(row.cancelled_at),
  }
}

export async function loadOrderRow(db: Db, id: number): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function loadItems(db: Db, orderIds: number[]) {
  if (orderIds.length === 0) return []
  return db
    .selectFrom('order_items')
    .select(['order_id', 'product_id', 'name', 'unit_price', 'quantity', 'amount'])
    .where('order_id', 'in', orderIds)
    .orderBy('id')
    .execute()
}

/** The event payload for an order: the whole order as a consumer would want it. */
export const eventPayload = (order: Order) => ({ order })
