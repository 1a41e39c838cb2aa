/**
 * Cost of one statement through Kysely's query builder vs its `sql` template, on an in-memory
 * SQLite database: `npm run bench:query`. Backs the choice of raw SQL on the order hot path
 * (src/platform/db/raw.ts).
 */
import { sql } from 'kysely'
import { connectDatabase } from '../src/platform/db/index.js'

const handle = connectDatabase('sqlite::memory:')
await handle.migrate()
const { db } = handle
await db
  .insertInto('products')
  .values({ name: 'x', price: 1, stock: 1e9, stock_added: 1e9, created_at: 0, updated_at: 0 })
  .execute()
const N = 20_000
const perCall = async (fn: (i: number) => Promise<unknown>) => {
  const started = performance.now()
  for (let i = 0; i < N; i++) await fn(i)
  return ((performance.now() - started) / N) * 1000
}
for (const round of [1, 2, 3]) {
  const builder = await perCall((i) =>
    db
      .updateTable('products')
      .set((eb) => ({ stock: eb('stock', '-', 1), updated_at: i }))
      .where('id', '=', 1)
      .where('stock', '>=', 1)
      .executeTakeFirst(),
  )
  const template = await perCall((i) =>
    sql`update products set stock = stock - ${1}, updated_at = ${i} where id = ${1} and stock >= ${1}`.execute(
      db,
    ),
  )
  console.log(
    `round ${round}: query builder ${builder.toFixed(1)} µs, sql template ${template.toFixed(1)} µs per statement`,
  )
}
await handle.close()
