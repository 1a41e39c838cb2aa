/**
 * Prepares a scenario's data through the admin API (products, coupons, users with points), the same
 * way an operator would, so it works against any deployment. Typed by the contract (`client/`).
 */
import { createFloodgateClient, type FloodgateClient } from '../../client/index.js'
import type { ScenarioData } from '../journeys/index.js'
import type { PrepareSpec } from '../scenarios/index.js'

export interface SeedOptions {
  target: string
  adminToken: string
  spec: PrepareSpec
  firstUserId: number
  users: number
  /** Points charged into each user's wallet. */
  points: number
  /** Requests in flight while preparing. */
  concurrency?: number
  onProgress?: (done: number, total: number, what: string) => void
}

const check = <T>(what: string, res: { data?: T; error?: unknown; response: Response }): T => {
  if (res.data === undefined) {
    throw new Error(`${what}: HTTP ${res.response.status} ${JSON.stringify(res.error)}`)
  }
  return res.data
}

async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < count) await work(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}

async function createProduct(api: FloodgateClient, name: string, price: number, stock: number) {
  return check(
    `create product ${name}`,
    await api.POST('/api/v1/admin/products', { body: { name, price, stock } }),
  ).id
}

async function createCoupon(api: FloodgateClient, name: string, totalQuantity: number) {
  return check(
    `create coupon ${name}`,
    await api.POST('/api/v1/admin/coupons', {
      body: { name, discountType: 'FIXED', discountValue: 500, totalQuantity, validDays: 7 },
    }),
  ).id
}

export async function seed(opts: SeedOptions): Promise<ScenarioData> {
  const api = createFloodgateClient({ baseUrl: opts.target, token: opts.adminToken })
  const productCount = opts.spec.products ?? 20
  const total = productCount + 2 + (opts.spec.hotStock ? 1 : 0) + opts.users
  let done = 0
  const tick = (what: string) => opts.onProgress?.(++done, total, what)
  const label = `loadtest ${new Date().toISOString()}`

  const productIds: number[] = []
  for (let i = 0; i < productCount; i++) {
    productIds.push(await createProduct(api, `${label} product ${i + 1}`, 1000 + 500 * (i % 9), 100_000_000))
    tick('products')
  }
  const data: ScenarioData = { productIds, firstUserId: opts.firstUserId, users: opts.users }
  if (opts.spec.hotStock) {
    data.hotProductId = await createProduct(api, `${label} hot product`, 5000, opts.spec.hotStock)
    tick('hot product')
  }
  data.couponId = await createCoupon(api, `${label} coupon`, 100_000_000)
  tick('coupons')
  data.rushCouponId = await createCoupon(api, `${label} rush coupon`, opts.spec.rushCoupons ?? 1000)
  tick('coupons')

  await inParallel(opts.users, opts.concurrency ?? 16, async (i) => {
    const userId = opts.firstUserId + i
    check(
      `charge user ${userId}`,
      await api.POST('/api/v1/points/users/{userId}/charge', {
        params: { path: { userId } },
        body: { amount: opts.points },
      }),
    )
    tick('users with points')
  })
  return data
}
