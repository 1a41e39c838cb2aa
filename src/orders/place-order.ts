import { sql } from 'kysely'
import { acceleratorsFor, takeStock } from '../catalog/index.js'
import { markCouponUsed, quoteCoupon } from '../coupons/index.js'
import { appendEvents, type NewEvent } from '../outbox/index.js'
import type { Clock } from '../platform/clock/index.js'
import {
  claimReceipt,
  completeReceipt,
  type Db,
  insertedId,
  type Receipt,
  transact,
  type Unit,
} from '../platform/db/index.js'
import { AppError, validationFailed } from '../platform/errors/index.js'
import { debitForOrder } from '../points/index.js'
import { batcherFor } from './order-batcher.js'
import { eventPayload, type Order, toOrder } from './order-view.js'

export interface PlaceOrderInput {
  userId: number
  items: { productId: number; quantity: number }[]
  userCouponId?: number
  payment?: 'POINTS' | 'LATER'
}

export interface PlaceOrderDeps {
  db: Db
  clock: Clock
  paymentTtlSeconds: number
  onCommitted?: () => void
}

/**
 * Places an order in one transaction: prices from the catalog, stock taken (conditionally),
 * coupon applied and marked used, and with POINTS the wallet debited, plus the events. Any
 * failure rolls all of it back, so a refused order leaves no trace. The receipt, if any (the
 * request's idempotency key and answer), commits with the order.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  input: PlaceOrderInput,
  receipt?: Receipt<Order>,
): Promise<Order> {
  const ids = input.items.map((i) => i.productId)
  if (new Set(ids).size !== ids.length) {
    throw validationFailed([{ path: 'body/items', message: 'each product may appear on one line only' }])
  }
  const now = deps.clock.now()
  const payNow = (input.payment ?? 'POINTS') === 'POINTS'

  // Sold-out products are refused here, before the order takes a database connection.
  const admission = await acceleratorsFor(deps.db).gate.admit(input.items)
  const batcher = input.userCouponId === undefined ? batcherFor(deps.db) : undefined
  const expiresAt = payNow ? undefined : now + deps.paymentTtlSeconds * 1000
  let order: Order
  try {
    order =
      (await batcher?.place({ userId: input.userId, items: input.items, expiresAt }, now, receipt)) ??
      (await transact(deps.db, (trx, unit) => writeOrder(trx, unit, input, now, expiresAt, receipt)))
  } catch (error) {
    const short = error instanceof AppError && error.code === 'INSUFFICIENT_STOCK' ? shortOf(error) : []
    await admission.undo(short)
    throw error
  }
  deps.onCommitted?.()
  return order
}

const shortOf = (error: AppError): number[] => (error.extra['products'] as number[] | undefined) ?? []

async function writeOrder(
  trx: Db,
  unit: Unit,
  input: PlaceOrderInput,
  now: number,
  /** Set for an order to pay later; unset, it is paid with points now. */
  expiresAt: number | undefined,
  receipt: Receipt<Order> | undefined,
): Promise<Order> {
  const payNow = expiresAt === undefined
  // The receipt first: a second request with this key waits here, and stops, before any other write.
  await claimReceipt(trx, receipt)
  const ids = input.items.map((i) => i.productId)
  const { rows: products } = await sql<{ id: number; name: string; price: number }>`
    select id, name, price from products where id in (${sql.join(ids)})`.execute(trx)
  const byId = new Map(products.map((p) => [Number(p.id), p]))
  const missing = ids.filter((id) => !byId.has(id))
  if (missing.length > 0) {
    throw new AppError('NOT_FOUND', `unknown product${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, {
      products: missing,
    })
  }
  const lines = input.items.map((i) => {
    const p = byId.get(i.productId)!
    return {
      product_id: i.productId,
      name: p.name,
      unit_price: Number(p.price),
      quantity: i.quantity,
      amount: Number(p.price) * i.quantity,
    }
  })
  const totalAmount = lines.reduce((sum, l) => sum + l.amount, 0)
  const discountAmount =
    input.userCouponId === undefined
      ? 0
      : await quoteCoupon(trx, { userCouponId: input.userCouponId, userId: input.userId, totalAmount, now })

  const row = {
    user_id: input.userId,
    status: payNow ? ('PAID' as const) : ('PENDING_PAYMENT' as const),
    total_amount: totalAmount,
    discount_amount: discountAmount,
    pay_amount: totalAmount - discountAmount,
    user_coupon_id: input.userCouponId ?? null,
    created_at: now,
    paid_at: payNow ? now : null,
    expires_at: expiresAt ?? null,
    cancelled_at: null,
    updated_at: now,
  }
  const inserted = await sql`insert into orders (user_id, status, total_amount, discount_amount, pay_amount,
      user_coupon_id, created_at, paid_at, expires_at, cancelled_at, updated_at)
    values (${row.user_id}, ${row.status}, ${row.total_amount}, ${row.discount_amount}, ${row.pay_amount},
      ${row.user_coupon_id}, ${row.created_at}, ${row.paid_at}, ${row.expires_at}, ${null}, ${row.updated_at})`.execute(
    trx,
  )
  const orderId = insertedId(inserted)
  const lineRows = lines.map(
    (l) => sql`(${orderId}, ${l.product_id}, ${l.name}, ${l.unit_price}, ${l.quantity}, ${l.amount})`,
  )
  await sql`insert into order_items (order_id, product_id, name, unit_price, quantity, amount)
    values ${sql.join(lineRows)}`.execute(trx)
  if (input.userCouponId !== undefined) await markCouponUsed(trx, input.userCouponId, orderId, now)
  if (payNow) await debitForOrder(trx, input.userId, row.pay_amount, orderId, now)

  const placed = toOrder({ ...row, id: orderId }, lines)
  const events: NewEvent[] = [{ type: 'order.placed', aggregateId: orderId, payload: eventPayload(placed) }]
  if (payNow) events.push({ type: 'order.paid', aggregateId: orderId, payload: eventPayload(placed) })
  await appendEvents(trx, now, events)
  await completeReceipt(trx, receipt, placed)
  // Stock last: on MySQL the product row stays locked from this write until commit, and on a hot
  // product every buyer queues for that lock, so it is held for one statement, not the whole order.
  const short = await takeStock(trx, unit, input.items, now)
  if (short.length > 0) {
    throw new AppError(
      'INSUFFICIENT_STOCK',
      `not enough stock for product${short.length > 1 ? 's' : ''} ${short.join(', ')}`,
      {
        products: short,
      },
    )
  }
  return placed
}
