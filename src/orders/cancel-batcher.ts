import { sql } from 'kysely'
import { acceleratorsFor } from '../catalog/index.js'
import type { Db } from '../platform/db/index.js'
import { type CommandPolicy, OrderCommandBatcher } from './command-batcher.js'
import { isOverdue } from './release.js'

/**
 * Cancels, batched (command-batcher.ts): a paid order, or a pending one within its window, without
 * a coupon. A paid order's points go back to its wallet, and every cancelled unit to its shelf in
 * one statement for the batch. Giving a coupon back, and anything ended or overdue, stays on the
 * single path.
 */
export const cancellation: CommandPolicy = {
  to: 'CANCELLED',
  from: ['PENDING_PAYMENT', 'PAID'],
  stamp: 'cancelled_at',
  event: 'order.cancelled',
  takes: (order, now) =>
    order.user_coupon_id === null &&
    (order.status === 'PAID' || (order.status === 'PENDING_PAYMENT' && !isOverdue(order, now))),
  points: (order) => (order.status === 'PAID' ? Number(order.pay_amount) : 0),
  history: 'REFUND',
  async finish(trx, unit, items, now) {
    const back = new Map<number, number>()
    for (const i of items) {
      const id = Number(i.product_id)
      back.set(id, (back.get(id) ?? 0) + Number(i.quantity))
    }
    // Products last and in id order (the `in` list locks them in key order), like the single path.
    const lines = [...back]
      .sort((a, b) => a[0] - b[0])
      .map(([productId, quantity]) => ({ productId, quantity }))
    const cases = sql.join(
      lines.map((l) => sql`when ${l.productId} then ${l.quantity}`),
      sql` `,
    )
    await sql`update products set stock = stock + case id ${cases} end, updated_at = ${now}
      where id in (${sql.join(lines.map((l) => l.productId))})`.execute(trx)
    unit.afterCommit(async () => {
      const { reads, gate } = acceleratorsFor(unit.root)
      await Promise.all([reads.changed(lines.map((l) => l.productId)), gate.returned(lines)])
    })
  },
}

const batchers = new WeakMap<Db, OrderCommandBatcher>()

/** Lets `cancelOrder` batch cancels on this (server) database; the composition root decides. */
export function useCancelBatching(db: Db): void {
  batchers.set(db, new OrderCommandBatcher(db, cancellation))
}

export const cancelBatcherFor = (db: Db): OrderCommandBatcher | undefined => batchers.get(db)
