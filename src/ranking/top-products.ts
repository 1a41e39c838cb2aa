import { type Cache, cachedWithStaleness, SingleFlight } from '../platform/cache/index.js'
import { type Clock, DAY } from '../platform/clock/index.js'
import type { Db } from '../platform/db/index.js'

export interface TopProducts {
  from: string
  to: string
  items: { rank: number; productId: number; name: string; price: number; soldQuantity: number }[]
}

/** The most ranks any caller may ask for; one cached list per window serves every smaller limit. */
export const MAX_TOP_LIMIT = 20

/** Best sellers by quantity over PAID orders paid in the window (cancelled ones are no longer PAID). */
export async function computeTopProducts(db: Db, days: number, now: number): Promise<TopProducts> {
  const from = now - days * DAY
  const rows = await db
    .selectFrom('orders as o')
    .innerJoin('order_items as i', 'i.order_id', 'o.id')
    .innerJoin('products as p', 'p.id', 'i.product_id')
    .select(['i.product_id', 'p.name', 'p.price'])
    .select((eb) => eb.fn.sum<number>('i.quantity').as('sold'))
    .where('o.status', '=', 'PAID')
    .where('o.paid_at', '>', from)
    .where('o.paid_at', '<=', now)
    .groupBy(['i.product_id', 'p.name', 'p.price'])
    .orderBy('sold', 'desc')
    .orderBy('i.product_id', 'asc')
    .limit(MAX_TOP_LIMIT)
    .execute()
  return {
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    items: rows.map((r, index) => ({
      rank: index + 1,
      productId: Number(r.product_id),
      name: r.name,
      price: Number(r.price),
      soldQuantity: Number(r.sold),
    })),
  }
}

export interface TopProductsDeps {
  db: Db
  clock: Clock
  cache: Cache
  maxStalenessSeconds: number
  onError?: (error: unknown) => void
  /** Counts recomputations (benchmarks and tests prove the cache holds). */
  onCompute?: () => void
}

/** Top products served from the cache, never older than the configured staleness. */
export function createTopProducts(deps: TopProductsDeps) {
  const flights = new SingleFlight()
  const opts = {
    cache: deps.cache,
    clock: deps.clock,
    flights,
    maxStalenessMs: deps.maxStalenessSeconds * 1000,
    onError: deps.onError,
  }
  const topProducts = async (days: number, limit: number): Promise<TopProducts> => {
    const full = await cachedWithStaleness(opts, `top-products:${days}`, () => {
      deps.onCompute?.()
      return computeTopProducts(deps.db, days, deps.clock.now())
    })
    return { ...full, items: full.items.slice(0, limit) }
  }
  /** Waits for background refreshes in flight. */
  topProducts.settled = () => flights.idle()
  return topProducts
}
