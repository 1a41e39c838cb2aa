import type { Db } from '../platform/db/index.js'
import { type ProductReads, uncachedReads } from './product-cache.js'
import { openGate, type StockGate } from './stock-gate.js'

/**
 * The catalog's optional fast paths for one database: how product reads are cached and which gate
 * turns buyers away from sold-out products. The composition root chooses them per deployment
 * (in-process cache for the embedded default, Redis for several instances); stock writes deep in
 * a transaction find them here through the database they commit to.
 */
export interface CatalogAccelerators {
  reads: ProductReads
  gate: StockGate
}

const byDatabase = new WeakMap<Db, CatalogAccelerators>()

export function accelerateCatalog(db: Db, chosen: Partial<CatalogAccelerators>): void {
  byDatabase.set(db, { reads: uncachedReads, gate: openGate, ...chosen })
}

/** The fast paths for `db` (the write connection identifies the database); none unless chosen. */
export function acceleratorsFor(db: Db): CatalogAccelerators {
  return byDatabase.get(db) ?? { reads: uncachedReads, gate: openGate }
}
