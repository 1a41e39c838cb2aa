import { sql } from 'kysely'
import type { Clock } from '../platform/clock/index.js'
import { cursorId, type Db, type Page, type ProductRow, pageOf } from '../platform/db/index.js'
import { AppError, notFound } from '../platform/errors/index.js'
import { acceleratorsFor } from './accelerators.js'

export interface Product {
  id: number
  name: string
  price: number
  stock: number
}

export const toProduct = (row: Pick<ProductRow, 'id' | 'name' | 'price' | 'stock'>): Product => ({
  id: Number(row.id),
  name: row.name,
  price: Number(row.price),
  stock: Number(row.stock),
})

export async function listProducts(
  db: Db,
  query: { limit: number; cursor?: string },
): Promise<Page<Product>> {
  const after = cursorId(query.cursor)
  let q = db
    .selectFrom('products')
    .select(['id', 'name', 'price', 'stock'])
    .orderBy('id')
    .limit(query.limit + 1)
  if (after !== undefined) q = q.where('id', '>', after)
  return pageOf((await q.execute()).map(toProduct), query.limit)
}

/** The hottest read in the shop: raw SQL skips the query builder's cost (platform/db/raw.ts). */
export async function getProduct(db: Db, id: number): Promise<Product> {
  const { rows } =
    await sql<ProductRow>`select id, name, price, stock from products where id = ${id}`.execute(db)
  if (!rows[0]) throw notFound('product', id)
  return toProduct(rows[0])
}

export async function createProduct(
  deps: { db: Db; clock: Clock },
  input: { name: string; price: number; stock: number },
): Promise<Product> {
  const now = deps.clock.now()
  const result = await deps.db
    .insertInto('products')
    .values({ ...input, stock_added: input.stock, created_at: now, updated_at: now })
    .executeTakeFirstOrThrow()
  return { id: Number(result.insertId), ...input }
}

export async function updateProduct(
  deps: { db: Db; clock: Clock },
  id: number,
  patch: { name?: string; price?: number },
): Promise<Product> {
  if (patch.name !== undefined || patch.price !== undefined) {
    await deps.db
      .updateTable('products')
      .set({ ...patch, updated_at: deps.clock.now() })
      .where('id', '=', id)
      .execute()
    await acceleratorsFor(deps.db).reads.changed([id])
  }
  return getProduct(deps.db, id)
}

/**
 * Restocks (delta > 0) or corrects (delta < 0) the shelf. A correction can only remove units that
 * are on the shelf; units held by pending orders or sold stay accounted for.
 */
export async function adjustStock(
  deps: { db: Db; clock: Clock },
  id: number,
  delta: number,
): Promise<Product> {
  const result = await deps.db
    .updateTable('products')
    .set((eb) => ({
      stock: eb('stock', '+', delta),
      stock_added: eb('stock_added', '+', delta),
      updated_at: deps.clock.now(),
    }))
    .where('id', '=', id)
    .where((eb) => eb('stock', '+', delta), '>=', 0)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) === 0) {
    const product = await getProduct(deps.db, id)
    throw new AppError(
      'STOCK_WOULD_GO_NEGATIVE',
      `product ${id} has ${product.stock} on the shelf; cannot apply ${delta}`,
    )
  }
  const { reads, gate } = acceleratorsFor(deps.db)
  await Promise.all([reads.changed([id]), gate.forget([id])])
  return getProduct(deps.db, id)
}
