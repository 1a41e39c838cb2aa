import { sql } from 'kysely'
import { canSee, type Principal } from '../auth/index.js'
import { appendEvents, type OrderEventType } from '../outbox/index.js'
import {
  affected,
  completeReceipts,
  type Db,
  type OrderItemRow,
  type OrderRow,
  type OrderStatus,
  type PointTxType,
  type Receipt,
  releaseReceipts,
  type Unit,
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

/** A command on an existing order (pay it, cancel it), as a batcher queues it. */
export interface OrderCommand {
  principal: Principal
  orderId: number
  now: number
  receipt: Receipt<Order> | undefined
}

/** What one kind of command does to an order, for `OrderCommandBatcher`. */
export interface CommandPolicy {
  /** The status the command moves the order to, and from which ones. */
  to: Extract<OrderStatus, 'PAID' | 'CANCELLED'>
  from: OrderStatus[]
  /** The timestamp column the command stamps. */
  stamp: 'paid_at' | 'cancelled_at'
  event: OrderEventType
  /** Whether the batch takes this (visible, locked) order; anything else goes the single path. */
  takes(order: OrderRow, now: number): boolean
  /** Points the command moves in the owner's wallet (negative: pays); 0 leaves it alone. */
  points(order: OrderRow): number
  /** The history row's type for a wallet the command moves. */
  history: PointTxType
  /** More of the command, after the orders and wallets: returning stock, for a cancel. */
  finish?(
    trx: Db,
    unit: Unit,
    items: Pick<OrderItemRow, 'product_id' | 'quantity'>[],
    now: number,
  ): Promise<void>
}

/**
 * Runs commands on existing orders on a server database in batches: commands of one kind that
 * arrive in the same turn of the event loop share one transaction of about ten statements (orders,
 * then wallets, locked in id order; one conditional order update; one wallet update and one
 * multi-row history insert; whatever the command adds; one multi-row insert of events) instead of
 * a dozen statements each. In a sale, pay-later buyers pay and some buyers cancel at once; alone,
 * each held an admission slot and a connection for all of its round trips.
 *
 * Only the plain case is batched: the caller's own (or, for an admin, any) order that the policy
 * takes, with a wallet that can pay. Anything else (unknown, someone else's, ended, overdue, short
 * of points) resolves to `undefined`, and the caller runs the command on the ordinary path, which
 * answers with the exact error or expires the order.
 */
export class OrderCommandBatcher {
  readonly stats: BatchStats = { batches: 0, placed: 0, handedBack: 0 }
  private readonly commands = new Combiner<OrderCommand, Order | undefined>(
    (batch) => runBatch(this.db, this.stats, batch, (trx, unit) => write(trx, unit, this.policy, batch)),
    batchLimits,
  )

  constructor(
    private readonly db: Db,
    private readonly policy: CommandPolicy,
  ) {}

  run(
    principal: Principal,
    orderId: number,
    now: number,
    receipt?: Receipt<Order>,
  ): Promise<Order | undefined> {
    return this.commands.add({ principal, orderId, now, receipt })
  }
}

async function write(
  trx: Db,
  unit: Unit,
  policy: CommandPolicy,
  batch: OrderCommand[],
): Promise<(Order | undefined)[]> {
  // Receipts first, then orders, wallets and products: the order the single path takes them in.
  const lost = await claimBatchReceipts(trx, batch)
  const orders = await lockOrders(
    trx,
    batch.map((c) => c.orderId),
  )
  const candidates = batch.map((c) => {
    const order = orders.get(c.orderId)
    const taken =
      !lost.has(c) && order && canSee(c.principal, Number(order.user_id)) && policy.takes(order, c.now)
    return taken ? order : undefined
  })
  const balance = await lockWallets(
    trx,
    candidates.flatMap((o) => (o && policy.points(o) !== 0 ? [Number(o.user_id)] : [])),
  )

  // Decide in arrival order; an order named twice in one batch is taken once, the other goes alone.
  const chosen: { index: number; order: OrderRow; balanceAfter: number }[] = []
  const taken = new Set<number>()
  for (const [index, order] of candidates.entries()) {
    if (!order || taken.has(Number(order.id))) continue
    const points = policy.points(order)
    const userId = Number(order.user_id)
    // No wallet (for a refund too: the single path makes one) or not enough points: the single path.
    const balanceAfter = points === 0 ? 0 : (balance.get(userId) ?? Number.NEGATIVE_INFINITY) + points
    if (balanceAfter < 0) continue
    if (points !== 0) balance.set(userId, balanceAfter)
    taken.add(Number(order.id))
    chosen.push({ index, order, balanceAfter })
  }
  const chosenAt = new Set(chosen.map((c) => c.index))
  const unplaced = batch.filter((c, i) => c.receipt && !lost.has(c) && !chosenAt.has(i))
  if (unplaced.length > 0)
    await releaseReceipts(
      trx,
      unplaced.map((c) => c.receipt!),
    )
  if (chosen.length === 0) return batch.map(() => undefined)

  const now = Math.max(...chosen.map((c) => batch[c.index]!.now))
  const ids = chosen.map((c) => Number(c.order.id))
  const moved = await sql`update orders set status = ${policy.to}, ${sql.ref(policy.stamp)} = ${now},
      updated_at = ${now}
    where id in (${sql.join(ids)}) and status in (${sql.join(policy.from)})`.execute(trx)
  // The rows are locked: a mismatch means the snapshot is wrong, and nothing of it may commit.
  if (affected(moved) !== ids.length) throw new HandBack('orders moved since the snapshot')

  const wallets = chosen.filter((c) => policy.points(c.order) !== 0)
  if (wallets.length > 0) {
    await setBalances(
      trx,
      balance,
      wallets.map((c) => Number(c.order.user_id)),
      now,
    )
    const history = wallets.map(
      (c) =>
        sql`(${Number(c.order.user_id)}, ${policy.history}, ${policy.points(c.order)}, ${c.balanceAfter}, ${Number(c.order.id)}, ${now})`,
    )
    await sql`insert into point_transactions (user_id, type, amount, balance_after, order_id, created_at)
      values ${sql.join(history)}`.execute(trx)
  }

  const items = await loadItems(trx, ids)
  await policy.finish?.(trx, unit, items, now)
  const changed = chosen.map((c) =>
    toOrder(
      { ...c.order, status: policy.to, [policy.stamp]: now, updated_at: now },
      items.filter((i) => Number(i.order_id) === Number(c.order.id)),
    ),
  )
  await appendEvents(
    trx,
    now,
    changed.map((order) => ({ type: policy.event, aggregateId: order.id, payload: eventPayload(order) })),
  )
  const answered = chosen.flatMap((c, i) => {
    const receipt = batch[c.index]!.receipt
    return receipt ? [{ receipt, result: changed[i]! }] : []
  })
  if (answered.length > 0) await completeReceipts(trx, answered)

  const result: (Order | undefined)[] = batch.map(() => undefined)
  for (const [i, c] of chosen.entries()) result[c.index] = changed[i]
  return result
}

/** Locks these orders (`FOR UPDATE`, in id order, as the single path's conditional update does). */
async function lockOrders(trx: Db, orderIds: number[]): Promise<Map<number, OrderRow>> {
  const ids = [...new Set(orderIds)].sort((a, b) => a - b)
  const { rows } = await sql<OrderRow>`
    select * from orders where id in (${sql.join(ids)}) order by id for update`.execute(trx)
  return new Map(rows.map((o) => [Number(o.id), o]))
}
