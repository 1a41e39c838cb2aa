import { sql } from 'kysely'
import { acceleratorsFor } from '../catalog/index.js'
import { appendEvents, type NewEvent } from '../outbox/index.js'
import {
  affected,
  completeReceipts,
  type Db,
  insertedId,
  type Receipt,
  releaseReceipts,
} from '../platform/db/index.js'
import { Combiner } from '../platform/tasks/index.js'
import {
  type BatchStats,
  batchLimits,
  claimBatchReceipts,
  HandBack,
  lockWallets,
  runBatch,
  setBalances,
} from './batch-run.js'
import { eventPayload, type Order, toOrder } from './order-view.js'

/** An order the batcher may place: no coupon, paid with points at once or later. */
export interface BatchableOrder {
  userId: number
  items: { productId: number; quantity: number }[]
  /** Set for an order to pay later: when it expires unpaid. Unset: paid with points now. */
  expiresAt?: number
}

interface Pending {
  input: BatchableOrder
  now: number
  receipt: Receipt<Order> | undefined
}

/**
 * Places orders without a coupon on a server database in batches: orders that arrive in the same
 * turn of the event loop are written by one transaction of about ten statements (one multi-row
 * insert per table, one wallet update, one conditional stock update per product) instead of ten
 * statements each. Orders to pay later join the same batches: they take stock and write the same
 * rows, less the wallet's. On a hot product every order queues for one row lock, and the
 * database's CPU per statement is what limits a sale (docs/benchmarks.md, production mode), so this
 * is where throughput comes from.
 *
 * Correctness stays with the database: wallets are locked (`FOR UPDATE`, in id order, like the
 * single path) before balances are decided, and stock is taken with one conditional decrement per
 * product; if that finds the shelf emptier than the batch's snapshot, the whole batch rolls back.
 * Any order the batch cannot place (unknown product, not enough stock or points, a rolled-back
 * batch) resolves to `undefined`, and the caller places it alone on the ordinary path, which
 * answers with the exact error.
 */
export class OrderBatcher {
  /** Counts since start: transactions run, orders they placed, orders handed back to the single path. */
  readonly stats: BatchStats = { batches: 0, placed: 0, handedBack: 0 }
  private readonly orders = new Combiner<Pending, Order | undefined>((batch) => this.run(batch), batchLimits)

  constructor(private readonly db: Db) {}

  /**
   * Whether the server hands out consecutive auto-increment ids to one multi-row INSERT (InnoDB
   * lock modes 0 and 1; mode 2 interleaves), which is how the batch learns its order ids.
   */
  static async supported(db: Db): Promise<boolean> {
    const { rows } = await sql<{ mode: number }>`select @@innodb_autoinc_lock_mode as mode`.execute(db)
    return Number(rows[0]?.mode) <= 1
  }

  /** Batches start after the event loop's I/O phase, so every order read in this round joins one. */
  place(input: BatchableOrder, now: number, receipt?: Receipt<Order>): Promise<Order | undefined> {
    return this.orders.add({ input, now, receipt })
  }

  private run(batch: Pending[]): Promise<(Order | undefined)[]> {
    return runBatch(this.db, this.stats, batch, async (trx, unit) => {
      const result = await writeBatch(trx, batch)
      const touched = [...new Set(batch.flatMap((p) => p.input.items.map((i) => i.productId)))]
      unit.afterCommit(() => acceleratorsFor(unit.root).reads.changed(touched))
      return result
    })
  }
}

/** Writes the orders of a batch that can be placed; `undefined` for the others (placed alone). */
async function writeBatch(trx: Db, batch: Pending[]): Promise<(Order | undefined)[]> {
  // Receipts (idempotency keys) first, in one statement.
  const lost = await claimBatchReceipts(trx, batch)
  const productIds = [...new Set(batch.flatMap((p) => p.input.items.map((i) => i.productId)))]
  const { rows: products } = await sql<{ id: number; name: string; price: number; stock: number }>`
    select id, name, price, stock from products where id in (${sql.join(productIds)})`.execute(trx)
  const product = new Map(products.map((p) => [Number(p.id), p]))
  // Only the wallets of orders paid now are locked; an order to pay later does not touch its wallet.
  const balance = await lockWallets(
    trx,
    batch.filter(paysNow).map((p) => p.input.userId),
  )
  const shelf = new Map(products.map((p) => [Number(p.id), Number(p.stock)]))

  // Decide, in arrival order, which orders fit the shelf and the (locked) wallets.
  const chosen: { pending: Pending; lines: Line[]; total: number; payNow: boolean; balanceAfter: number }[] =
    []
  const decided: (number | undefined)[] = []
  for (const pending of batch) {
    if (lost.has(pending)) {
      decided.push(undefined)
      continue
    }
    const { userId, items } = pending.input
    const lines = items.map((i) => {
      const p = product.get(i.productId)
      return p && { productId: i.productId, name: p.name, unitPrice: Number(p.price), quantity: i.quantity }
    })
    const total = lines.reduce((sum, l) => sum + (l ? l.unitPrice * l.quantity : 0), 0)
    const payNow = paysNow(pending)
    // What the wallet keeps after paying now (no wallet: nothing to pay with); unused when paying later.
    const balanceAfter = payNow ? (balance.get(userId) ?? Number.NEGATIVE_INFINITY) - total : 0
    const fits = lines.every((l) => l && (shelf.get(l.productId) ?? 0) >= l.quantity) && balanceAfter >= 0
    if (!fits) {
      decided.push(undefined)
      continue
    }
    for (const l of lines as Line[]) shelf.set(l.productId, shelf.get(l.productId)! - l.quantity)
    if (payNow) balance.set(userId, balanceAfter)
    decided.push(chosen.length)
    chosen.push({ pending, lines: lines as Line[], total, payNow, balanceAfter })
  }
  // Orders the batch leaves to the single path give up their claims: it claims them again.
  const unplaced = batch.filter((p, i) => p.receipt && !lost.has(p) && decided[i] === undefined)
  if (unplaced.length > 0)
    await releaseReceipts(
      trx,
      unplaced.map((p) => p.receipt!),
    )
  if (chosen.length === 0) return decided.map(() => undefined)

  const now = Math.max(...chosen.map((c) => c.pending.now))
  await setBalances(
    trx,
    balance,
    chosen.filter((c) => c.payNow).map((c) => c.pending.input.userId),
    now,
  )

  const rows = chosen.map((c) => ({
    user_id: c.pending.input.userId,
    status: c.payNow ? ('PAID' as const) : ('PENDING_PAYMENT' as const),
    total_amount: c.total,
    discount_amount: 0,
    pay_amount: c.total,
    user_coupon_id: null,
    created_at: now,
    paid_at: c.payNow ? now : null,
    expires_at: c.payNow ? null : c.pending.input.expiresAt!,
    cancelled_at: null,
    updated_at: now,
  }))
  const orderRows = rows.map(
    (r) =>
      sql`(${r.user_id}, ${r.status}, ${r.total_amount}, 0, ${r.pay_amount}, ${null}, ${now}, ${r.paid_at}, ${r.expires_at}, ${null}, ${now})`,
  )
  const inserted = await sql`insert into orders (user_id, status, total_amount, discount_amount, pay_amount,
      user_coupon_id, created_at, paid_at, expires_at, cancelled_at, updated_at)
    values ${sql.join(orderRows)}`.execute(trx)
  const firstId = insertedId(inserted)
  const orders = chosen.map((c, i) => {
    const row = { ...rows[i]!, id: firstId + i }
    const items = c.lines.map((l) => ({
      product_id: l.productId,
      name: l.name,
      unit_price: l.unitPrice,
      quantity: l.quantity,
      amount: l.unitPrice * l.quantity,
    }))
    return { order: toOrder(row, items), items }
  })

  const itemRows = orders.flatMap(({ order, items }) =>
    items.map(
      (l) => sql`(${order.id}, ${l.product_id}, ${l.name}, ${l.unit_price}, ${l.quantity}, ${l.amount})`,
    ),
  )
  await sql`insert into order_items (order_id, product_id, name, unit_price, quantity, amount)
    values ${sql.join(itemRows)}`.execute(trx)
  const paymentRows = chosen.flatMap((c, i) =>
    c.payNow
      ? [
          sql`(${c.pending.input.userId}, 'PAYMENT', ${-c.total}, ${c.balanceAfter}, ${orders[i]!.order.id}, ${now})`,
        ]
      : [],
  )
  if (paymentRows.length > 0)
    await sql`insert into point_transactions (user_id, type, amount, balance_after, order_id, created_at)
      values ${sql.join(paymentRows)}`.execute(trx)
  const events: NewEvent[] = orders.flatMap(({ order }, i) => [
    { type: 'order.placed' as const, aggregateId: order.id, payload: eventPayload(order) },
    ...(chosen[i]!.payNow
      ? [{ type: 'order.paid' as const, aggregateId: order.id, payload: eventPayload(order) }]
      : []),
  ])
  await appendEvents(trx, now, events)
  // The answers under the receipts, in one statement.
  const answered = chosen.flatMap((c, i) =>
    c.pending.receipt ? [{ receipt: c.pending.receipt, result: orders[i]!.order }] : [],
  )
  if (answered.length > 0) await completeReceipts(trx, answered)

  // Stock last and in id order, like the single path: the hot row is locked for one statement.
  const taken = new Map<number, number>()
  for (const c of chosen)
    for (const l of c.lines) taken.set(l.productId, (taken.get(l.productId) ?? 0) + l.quantity)
  for (const [productId, quantity] of [...taken].sort((a, b) => a[0] - b[0])) {
    const result = await sql`update products set stock = stock - ${quantity}, updated_at = ${now}
      where id = ${productId} and stock >= ${quantity}`.execute(trx)
    if (affected(result) === 0) throw new HandBack('the shelf moved since the snapshot')
  }
  return decided.map((i) => (i === undefined ? undefined : orders[i]!.order))
}

const paysNow = (p: Pending): boolean => p.input.expiresAt === undefined

interface Line {
  productId: number
  name: string
  unitPrice: number
  quantity: number
}

const batchers = new WeakMap<Db, OrderBatcher>()

/**
 * Lets `placeOrder` batch point-paid orders on this (server) database; the composition root calls
 * it when `OrderBatcher.supported`. Like group commit on SQLite, the database decides how orders
 * are written; the use case stays the same.
 */
export function useOrderBatching(db: Db): void {
  batchers.set(db, new OrderBatcher(db))
}

export const batcherFor = (db: Db): OrderBatcher | undefined => batchers.get(db)
