import type { Clock } from '../clock/index.js'
import { defineScript, type RedisHandle } from '../redis/index.js'
import type { Cache, CacheEntry } from './index.js'

/**
 * The shared cache of production mode: one entry per key for every instance, so a value is
 * computed once for the fleet, not once per process. While Redis is unreachable it serves from
 * `fallback` (an in-process cache) instead, so an outage costs freshness sharing, not a stampede.
 */
export class RedisCache implements Cache {
  private readonly lease

  constructor(
    private readonly redis: RedisHandle,
    private readonly clock: Clock,
    private readonly fallback: Cache,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.lease = defineScript<number>(redis, 'cacheLease', LEASE)
  }

  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    if (!this.redis.ready()) return this.fallback.get(key)
    try {
      const raw = await this.redis.client.get(this.redis.key('cache', key))
      return raw === null ? undefined : (JSON.parse(raw) as CacheEntry<T>)
    } catch {
      return this.fallback.get(key)
    }
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    if (!this.redis.ready()) return this.fallback.set(key, value, ttlMs)
    try {
      const entry: CacheEntry<T> = { value, storedAt: this.clock.now() }
      await this.redis.client.set(
        this.redis.key('cache', key),
        JSON.stringify(entry),
        'PX',
        Math.max(1, ttlMs),
      )
    } catch {
      await this.fallback.set(key, value, ttlMs)
    }
  }

  async delete(key: string): Promise<void> {
    await this.fallback.delete(key)
    if (!this.redis.ready()) return
    await this.redis.client.del(this.redis.key('cache', key)).catch(() => {})
  }

  /**
   * Takes a fleet-wide lease on recomputing `key` for `ttlMs` (SET NX PX). Only the holder
   * recomputes; the others keep serving what is cached. With Redis away every caller may compute
   * (the per-process single flight still holds). The lease is left to expire, never deleted.
   */
  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    if (!this.redis.ready()) return true
    const now = this.clock.now()
    try {
      return (await this.lease([this.redis.key('lock', key)], [now, now + ttlMs, ttlMs])) === 1
    } catch (error) {
      this.onError(error)
      return true
    }
  }
}

/**
 * A lease held until a time on the service's clock (ARGV[2]), so it expires with the same clock
 * that ages the entries; Redis's own expiry (ARGV[3]) only collects the key.
 */
const LEASE = `
local held = redis.call('GET', KEYS[1])
if held and tonumber(held) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`
