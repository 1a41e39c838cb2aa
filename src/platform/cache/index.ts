/**
 * The cache seam. The embedded default keeps entries in process memory; production mode puts a
 * shared store behind the same interface. Values are JSON-serialisable; entries carry the time
 * they were computed so that callers can bound staleness themselves.
 */
import type { Clock } from '../clock/index.js'

export interface CacheEntry<T> {
  value: T
  storedAt: number
}

export interface Cache {
  get<T>(key: string): Promise<CacheEntry<T> | undefined>
  set<T>(key: string, value: T, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
  /**
   * A fleet-wide lease on recomputing `key` (shared caches only): true for the one caller that
   * should compute. Caches without it leave single flight to the process.
   */
  tryLock?(key: string, ttlMs: number): Promise<boolean>
}

/** An LRU-bounded in-process cache. */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, CacheEntry<unknown> & { expiresAt: number }>()
  constructor(
    private readonly clock: Clock,
    private readonly maxEntries = 10_000,
  ) {}

  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry as CacheEntry<T>
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    const now = this.clock.now()
    this.entries.delete(key)
    this.entries.set(key, { value, storedAt: now, expiresAt: now + ttlMs })
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key)
  }
}

export { RedisCache } from './redis-cache.js'
export { cachedWithStaleness, SingleFlight } from './single-flight.js'
