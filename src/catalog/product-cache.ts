import type { Product } from './products.js'

/**
 * How product reads are served. Every write that changes a product calls `changed` after it
 * committed (a returned promise is awaited before the writer's client hears back).
 */
export interface ProductReads {
  get(id: number, load: () => Promise<Product>): Promise<Product>
  changed(ids: number[]): void | Promise<void>
}

/** No cache: every read goes to the database (several writers and no shared cache). */
export const uncachedReads: ProductReads = { get: (_id, load) => load(), changed: () => {} }

/**
 * Product reads from memory, exact rather than "fresh enough": every write that changes a product
 * (stock taken or returned, an admin edit) calls `changed` once it has committed, and an entry
 * loaded before that call can never be stored after it (the version check). One process owns the
 * embedded database, so this sees every write; a shared cache stands behind other deployments.
 */
export class ProductCache implements ProductReads {
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

  changed(ids: number[]): void {
    for (const id of ids) {
      this.entries.delete(id)
      this.versions.set(id, (this.versions.get(id) ?? 0) + 1)
    }
  }
}
