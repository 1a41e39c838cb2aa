import type { Db } from '../platform/db/index.js'
import type { Product } from './products.js'

/**
 * Product reads from memory, exact rather than "fresh enough": every write that changes a product
 * (stock taken or returned, an admin edit) calls `changed` once it has committed, and an entry
 * loaded before that call can never be stored after it (the version check). One process owns the
 * embedded database, so this sees every write; a shared cache stands behind other deployments.
 */
export class ProductCache {
  private readonly entries = new Map<number, Product>()
  private readonly versions = new Map<number, number>()

  constructor(private readonly maxEntries = 50_000) {}

  async get(id: number, load: () => Promise<Product>): Promise<Product> {
    const hit = this.entries.get(id)
    if (hit) return hit
    const version = this.versions.get(id) ?? 0
    const product = await load()
    if ((this.versions.get(id) ?? 0) === version) {
      if (this.entries.size >= this.maxEntries) this.entries.clear()
      this.entries.set(id, product)
    }
    return product
  }

  changed(ids: Iterable<number>): void {
    for (const id of ids) {
      this.entries.delete(id)
      this.versions.set(id, (this.versions.get(id) ?? 0) + 1)
    }
  }
}

const caches = new WeakMap<Db, ProductCache>()

/** The cache of the products stored in `db` (the write connection identifies the database). */
export function productCacheFor(db: Db): ProductCache {
  let cache = caches.get(db)
  if (!cache) {
    cache = new ProductCache()
    caches.set(db, cache)
  }
  return cache
}
