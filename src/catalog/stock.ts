import type { Db } from '../platform/db/index.js'

export interface StockLine {
  productId: number
  quantity: number
}

/**
 * Takes units off the shelf for an order, all or nothing. Each line is a conditional decrement
 * (`stock >= quantity`), which is what makes overselling impossible under any concurrency: the
 * database refuses the write instead of us checking first and racing. Returns the product ids
 * that lacked stock (the caller rolls the transaction back).
 */
export async function takeStock(trx: Db, lines: StockLine[], now: number): Promise<number[]> {
  const short: number[] = []
  for (const line of lines) {
    const result = await trx
      .updateTable('products')
      .set((eb) => ({ stock: eb('stock', '-', line.quantity), updated_at: now }))
      .where('id', '=', line.productId)
      .where('stock', '>=', line.quantity)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) short.push(line.productId)
  }
  return short
}

/** Puts units of a cancelled or expired order back on the shelf. */
export async function returnStock(trx: Db, lines: StockLine[], now: number): Promise<void> {
  for (const line of lines) {
    await trx
      .updateTable('products')
      .set((eb) => ({ stock: eb('stock', '+', line.quantity), updated_at: now }))
      .where('id', '=', line.productId)
      .execute()
  }
}
