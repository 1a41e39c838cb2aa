import { SingleFlight } from '../platform/cache/index.js'
import type { Clock } from '../platform/clock/index.js'
import { defineScript, type RedisHandle } from '../platform/redis/index.js'
import type { ProductReads } from './product-cache.js'
import type { Product } from './products.js'

/** Past this age a cached product is still served, while one refresh per instance runs behind it. */
const SOFT_TTL_MS = 10_000
/** Redis drops an entry at this age: the bound on staleness if an invalidation were ever lost. */
const HARD_TTL_MS = 30_000
const GENERATION_TTL_MS = 24 * 3600 * 1000

/** [value or nil, generation]: one round trip for a read. */
const READ = `return { redis.call('GET', KEYS[1]) or false, redis.call('GET', KEYS[2]) or '0' }`
/** Stores a value loaded under generation ARGV[1] only if no write has bumped it since. */
const STORE = `
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`
/** After a write: bump each product's generation and drop its entry. KEYS alternate value, generation. */
const INVALIDATE = `
for i = 1, #KEYS, 2 do
  redis.call('DEL', KEYS[i])
  redis.call('INCR', KEYS[i + 1])
  redis.call('PEXPIRE', KEYS[i + 1], ARGV[1])
end
return 1`

interface Stored {
  product: Product
  at: number
}

/**
 * Product reads shared by every instance through Redis, exact like the in-process cache: a write
 * bumps the product's generation after it commits, and a value loaded before that bump is never
 * stored (the same version check, made atomic in Lua). A miss is loaded once per instance (single
 * flight); an old entry is served while one refresh runs (stale-while-revalidate), so an expiry
 * under load costs one query per instance, not a stampede. With Redis unreachable reads go
 * straight to the database.
 */
export class RedisProductCache implements ProductReads {
  private readonly flights = new SingleFlight()
  private readonly read
  private readonly store
  private readonly invalidate

  constructor(
    private readonly redis: RedisHandle,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.read = defineScript<[string | null, string]>(redis, 'productRead', READ)
    this.store = defineScript<number>(redis, 'productStore', STORE)
    this.invalidate = defineScript<number>(redis, 'productInvalidate', INVALIDATE)
  }

  private keys(id: number): [string, string] {
    return [this.redis.key('product', id), this.redis.key('product', id, 'gen')]
  }

  async get(id: number, load: () => Promise<Product>): Promise<Product> {
    if (!this.redis.ready()) return load()
    let cached: [string | null, string]
    try {
      cached = await this.read(this.keys(id), [])
    } catch {
      return load()
    }
    const [raw, generation] = cached
    if (raw !== null) {
      const stored = JSON.parse(raw) as Stored
      if (this.clock.now() - stored.at >= SOFT_TTL_MS) {
        this.fill(id, generation, load).catch((error) => this.onError(error))
      }
      return stored.product
    }
    return this.fill(id, generation, load)
  }

  private fill(id: number, generation: string, load: () => Promise<Product>): Promise<Product> {
    return this.flights.run(`${id}:${generation}`, async () => {
      const product = await load()
      const stored: Stored = { product, at: this.clock.now() }
      await this.store(this.keys(id), [generation, JSON.stringify(stored), HARD_TTL_MS]).catch(() => 0)
      return product
    })
  }

  async changed(ids: number[]): Promise<void> {
    if (ids.length === 0) return
    try {
      await this.invalidate(
        ids.flatMap((id) => this.keys(id)),
        [GENERATION_TTL_MS],
      )
    } catch (error) {
      // The entry then lives until its hard TTL: the documented bound on staleness.
      this.onError(error)
    }
  }
}
