import { sql } from 'kysely'
import { canSee, type Principal } from '../auth/index.js'
import { appendEvents } from '../outbox/index.js'
import {
  affected,
  completeReceipts,
  type Db,
  type OrderRow,
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
import { eventPayload, loadItems, type Order, toOrder } from './order-view.js'
import { isOverdue } from './release.js'

interface Pending {
  principal: Principal
  orderId: number
  now: number
  receipt: Receipt<Order> | undefined
}

/**
 * Pays pending orders on a server database in batches: payments that arrive in the same turn of
 * the event loop are written by one transaction of about ten statements (orders and wallets locked
 * in id order, one conditional order update, one wallet update, one multi-row insert each for
 * history and events) instead of twelve each. A sale's pay-later buyers pay at once; each payment
 * alone would cost the database and this process a dozen round trips.
 *
 * Only the plain case is batched: the caller's own (or, for an admin, any) order, still payable
 * and within its window, with enough points. Anything else (unknown, someone else's, already paid,
 * overdue, short of points, free after a coupon) resolves to `undefined`, and the caller pays it
 * on the ordinary path, which answers with the exact error or expires the order.
 */
export class PaymentBatcher {
  readonly stats: BatchStats = { batches: 0, placed: 0, handedBack: 0 }
  private readonly payments = new Combiner<Pending, Order | undefined>(
    (batch) => runBatch(this.db, this.stats, batch, (trx) => writePayments(trx, batch)),
    batchLimits,
  )

  constructor(private readonly db: Db) {}

  pay(
    principal: Principal,
    orderId: number,
    now: number,
    receipt?: Receipt<Order>,
  ): Promise<Order | undefined> {
    return this.payments.add({ principal, orderId, now, receipt })
  }
}

async function writePayments(trx: Db, batch: Pending[]): Promise<(Order | undefined)[]> {
  // Receipts first, as on the single path.
  const lost = await claimBatchReceipts(trx, batch)

  // Orders before wallets, like the single path (its conditional update locks the order first).
  const orderIds = [...new Set(batch.map((p) => p.orderId))].sort((a, b) => a - b)
  const { rows: orderRows } = await sql<OrderRow>`
    select * from orders where id in (${sql.join(orderIds)}) order by id for update`.execute(trx)
  const orders = new Map(orderRows.map((o) => [Number(o.id), o]))
  const candidates = batch.map((p) => {
    const order = orders.get(p.orderId)
    const payable =
      !lost.has(p) &&
      order !== undefined &&
      canSee(p.principal, Number(order.user_id)) &&
      order.status === 'PENDING_PAYMENT' &&
      !isOverdue(order, p.now) &&
      Number(order.pay_amount) > 0
    return payable ? order : undefined
  })
  const balance = await lockWallets(
    trx,
    candidates.flatMap((o) => (o ? [Number(o.user_id)] : [])),
  )

  // Decide in arrival order; an order named twice in one batch is paid once, the other goes alone.
  const chosen: { index: number; order: OrderRow; balanceAfter: number }[] = []
  const taken = new Set<number>()
  for (const [index, order] of candidates.entries()) {
    if (!order || taken.has(Number(order.id))) continue
    const userId = Number(order.user_id)
    const has = balance.get(userId)
    const amount = Number(order.pay_amount)
    if (has === undefined || has < amount) continue
    balance.set(userId, has - amount)
    taken.add(Number(order.id))
    chosen.push({ index, order, balanceAfter: has - amount })
  }
  const chosenAt = new Set(chosen.map((c) => c.index))
  const unplaced = batch.filter((p, i) => p.receipt && !lost.has(p) && !chosenAt.has(i))
  if (unplaced.length > 0)
    await releaseReceipts(
      trx,
      unplaced.map((p) => p.receipt!),
    )
  if (chosen.length === 0) return batch.map(() => undefined)

  const now = Math.max(...chosen.map((c) => batch[c.index]!.now))
  const ids = chosen.map((c) => Number(c.order.id))
  const moved = await sql`update orders set status = 'PAID', paid_at = ${now}, updated_at = ${now}
    where id in (${sql.join(ids)}) and status = 'PENDING_PAYMENT'`.execute(trx)
  // The rows are locked: a mismatch means the snapshot is wrong, and nothing of it may commit.
  if (affected(moved) !== ids.length) throw new HandBack('orders moved since the snapshot')

  await setBalances(
    trx,
    balance,
    chosen.map((c) => Number(c.order.user_id)),
    now,
  )
  const history = chosen.map(
    (c) =>
      sql`(${Number(c.order.user_id)}, 'PAYMENT', ${-Number(c.order.pay_amount)}, ${c.balanceAfter}, ${Number(c.order.id)}, ${now})`,
  )
  await sql`insert into point_transactions (user_id, type, amount, balance_after, order_id, created_at)
    values ${sql.join(history)}`.execute(trx)

  const items = await loadItems(trx, ids)
  const paid = chosen.map((c) =>
    toOrder(
      { ...c.order, status: 'PAID', paid_at: now, updated_at: now },
      items.filter((i) => Number(i.order_id) === Number(c.order.id)),
    ),
  )
  await appendEvents(
    trx,
    now,
    paid.map((order) => ({
      type: 'order.paid' as const,
      aggregateId: order.id,
      payload: eventPayload(order),
    })),
  )
  const answered = chosen.flatMap((c, i) => {
    const receipt = batch[c.index]!.receipt
    return receipt ? [{ receipt, result: paid[i]! }] : []
  })
  if (answered.length > 0) await completeReceipts(trx, answered)

  const result: (Order | undefined)[] = batch.map(() => undefined)
  for (const [i, c] of chosen.entries()) result[c.index] = paid[i]
  return result
}

const batchers = new WeakMap<Db, PaymentBatcher>()

/** Lets `payOrder` batch payments on this (server) database; the composition root decides. */
export function usePaymentBatching(db: Db): void {
  batchers.set(db, new PaymentBatcher(db))
}

export const paymentBatcherFor = (db: Db): PaymentBatcher | undefined => batchers.get(db)
