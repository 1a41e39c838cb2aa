import type { Clock } from '../platform/clock/index.js'
import { type Db, transact } from '../platform/db/index.js'
import { chargePoints } from '../points/index.js'

export const DEMO_CUSTOMERS = [
  { id: 1, name: 'Minji Kim' },
  { id: 2, name: 'Joon Park' },
  { id: 3, name: 'Seo-yeon Lee' },
  { id: 4, name: 'Hyun Choi' },
  { id: 5, name: 'Ara Jung' },
]
export const DEMO_ADMIN = { id: 1000, name: 'Shop Admin' }

const PRODUCTS: [string, number, number][] = [
  ['Wireless Earbuds', 89_000, 120],
  ['Mechanical Keyboard', 129_000, 60],
  ['4K Monitor 27"', 389_000, 25],
  ['USB-C Hub', 39_000, 200],
  ['Laptop Stand', 45_000, 150],
  ['Noise-Cancelling Headphones', 299_000, 40],
  ['Smart Watch', 249_000, 50],
  ['Portable SSD 1TB', 119_000, 80],
  ['Webcam 1080p', 69_000, 90],
  ['Ergonomic Mouse', 59_000, 140],
  ['Desk Lamp', 35_000, 100],
  ['Bluetooth Speaker', 79_000, 70],
  ['Phone Case', 15_000, 500],
  ['Fast Charger 65W', 42_000, 300],
  ['Gaming Chair', 349_000, 15],
  ['Coffee Grinder', 99_000, 30],
  ['Running Shoes', 139_000, 45],
  ['Backpack', 79_000, 85],
  ['Water Bottle', 19_000, 400],
  ['Limited Edition Sneakers', 219_000, 10],
]

/** Fills an empty database with a small shop: products, two claimable coupons, customers with points. */
export async function seedDemo(deps: { db: Db; clock: Clock }): Promise<boolean> {
  const { db, clock } = deps
  const existing = await db.selectFrom('products').select('id').limit(1).executeTakeFirst()
  if (existing) return false
  const now = clock.now()
  await transact(db, async (trx) => {
    await trx
      .insertInto('users')
      .values([
        ...DEMO_CUSTOMERS.map((u) => ({ ...u, role: 'customer' as const, created_at: now })),
        { ...DEMO_ADMIN, role: 'admin' as const, created_at: now },
      ])
      .execute()
    await trx
      .insertInto('products')
      .values(
        PRODUCTS.map(([name, price, stock]) => ({
          name,
          price,
          stock,
          stock_added: stock,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute()
    const coupon = {
      max_discount: null,
      issued_quantity: 0,
      issue_starts_at: null,
      issue_ends_at: null,
      valid_days: 30,
      created_at: now,
    }
    await trx
      .insertInto('coupons')
      .values([
        {
          ...coupon,
          name: 'Welcome 5,000 won off',
          discount_type: 'FIXED',
          discount_value: 5_000,
          min_order_amount: 30_000,
          total_quantity: 100,
        },
        {
          ...coupon,
          name: 'Sale day 10% off',
          discount_type: 'RATE',
          discount_value: 10,
          max_discount: 20_000,
          min_order_amount: 0,
          total_quantity: 50,
        },
      ])
      .execute()
  })
  const config = {
    points: { minCharge: 1, maxCharge: Number.MAX_SAFE_INTEGER, maxBalance: Number.MAX_SAFE_INTEGER },
  }
  for (const user of DEMO_CUSTOMERS) await chargePoints({ db, clock, config }, user.id, 500_000)
  return true
}
