import { sql } from 'kysely'
import { affected, type Db, type Unit } from '../platform/db/index.js'
import { acceleratorsFor } from './accelerators.js'

export interface StockLine {
  productId: number
  quantity: number
}

/**
 * Takes units off the shelf for an order, all or nothing. Each line is a conditional decrement
 * (`stock >= quantity`), which is what makes overselling impossible under any concurrency: the
 * database refuses the write instead of us checking first and racing. Returns the product ids
 * that lacked stock (the caller rolls the transaction back). Raw SQL: hot path (platform/db/raw.ts).
 */
export async function takeStock(trx: Db, unit: Unit, lines: StockLine[], now: number): Promise<number[]> {
  const short: number[] = []
  // Always lock rows in id order, so two multi-line orders can never deadlock each other.
  for (const { productId, quantity } of [...lines].sort((a, b) => a.productId - b.productId)) {
    const result = await sql`update products set stock = stock - ${quantity}, updated_at = ${now}
      where id = ${productId} and stock >= ${quantity}`.execute(trx)
    if (affected(result) === 0) short.push(productId)
  }
  unit.afterCommit(() => acceleratorsFor(unit.root).reads.changed(lines.map((l) => l.productId)))
  return short
}

/**
 * Puts units of cancelled or expired orders back on the shelf: one statement for all of them, the
 * rows locked in id order (an `in` list is walked in key order), as takeStock locks them.
 */
export async function returnStock(trx: Db, unit: Unit, lines: StockLine[], now: number): Promise<void> {
  const back = new Map<number, number>()
  for (const { productId, quantity } of lines) back.set(productId, (back.get(productId) ?? 0) + quantity)
  if (back.size === 0) return
  const ids = [...back.keys()].sort((a, b) => a - b)
  const cases = sql.join(
    ids.map((id) => sql`when ${id} then ${back.get(id)!}`),
    sql` `,
  )
  await sql`update products set stock = stock + case id ${cases} end, updated_at = ${now}
    where id in (${sql.join(ids)})`.execute(trx)
  unit.afterCommit(async () => {
    const { reads, gate } = acceleratorsFor(unit.root)
    await Promise.all([reads.changed(ids), gate.returned(lines)])
  })
}
