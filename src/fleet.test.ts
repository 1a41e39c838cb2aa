/**
 * Production mode as deployed: two Floodgate processes over one MariaDB, Redis and NATS, hammered
 * over real HTTP. The database decides every sale, so however requests are spread over instances
 * nothing is oversold, issued twice or executed twice.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import {
  createTestDatabase,
  createTestServices,
  needsServices,
  type TestDatabase,
  type TestServices,
} from './testing/backend.js'
import { call, eventually, tally, tokenFor, withDatabase } from './testing/fleet.js'
import { TEST_SECRET } from './testing/harness.js'
import { assertInvariants } from './testing/invariants.js'
import { type Instance, startInstance } from './testing/processes.js'
import { type Receiver, startReceiver } from './testing/receiver.js'

const needsAllServices = needsServices('mysql', 'redis', 'nats')

describe('two instances as separate processes over one MariaDB, Redis and NATS', needsAllServices, () => {
  let database: TestDatabase
  let services: TestServices
  let receiver: Receiver
  let a: Instance
  let b: Instance
  let admin: string
  before(async () => {
    database = await createTestDatabase()
    services = await createTestServices()
    receiver = await startReceiver()
    const env = {
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_SECRET,
      DATA_PLATFORM_URL: receiver.url,
      // These tests prove correctness under contention, not shedding: a busy CI machine may keep a
      // request waiting for a connection longer than the 1 s default, which would answer 503.
      DB_POOL_ACQUIRE_TIMEOUT_MS: '20000',
      ...services.env,
    }
    // One first, so the other finds the schema; concurrent starts are covered by migrate.test.ts.
    a = await startInstance(env)
    b = await startInstance(env)
    admin = await tokenFor(9000, 'admin')
  })
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await receiver?.close()
    await Promise.all([database?.drop(), services?.drop()])
  })

  const instance = (i: number) => (i % 2 === 0 ? a : b)

  test('1,000 concurrent buyers for 100 units over both instances: exactly 100 paid', async () => {
    const product = await call(a.base, 'POST', '/api/v1/admin/products', {
      token: admin,
      body: { name: 'Hot', price: 1_000, stock: 100 },
    })
    const users = Array.from({ length: 250 }, (_, i) => i + 1)
    const tokens = await Promise.all(users.map((u) => tokenFor(u)))
    const charges = await Promise.all(
      users.map((u, i) =>
        call(instance(i).base, 'POST', `/api/v1/points/users/${u}/charge`, {
          token: tokens[i]!,
          body: { amount: 100_000 },
        }),
      ),
    )
    assert.deepEqual(tally(charges), { 200: 250 })

    const answers = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        call(instance(i).base, 'POST', '/api/v1/orders', {
          token: tokens[i % 250]!,
          body: { userId: users[i % 250], items: [{ productId: product.body['id'], quantity: 1 }] },
        }),
      ),
    )
    const counts = tally(answers)
    const refused = answers.filter((r) => r.status === 503).map((r) => JSON.stringify(r.body))
    assert.equal(counts[201], 100, JSON.stringify({ counts, refused: refused.slice(0, 3) }))
    assert.equal(counts[409], 900, JSON.stringify({ counts, refused: refused.slice(0, 3) }))
    await withDatabase(database.url, async (db) => {
      const paid = await db
        .selectFrom('orders')
        .select(db.fn.countAll<number>().as('n'))
        .where('status', '=', 'PAID')
        .executeTakeFirstOrThrow()
      assert.equal(Number(paid.n), 100)
      const left = await db
        .selectFrom('products')
        .select('stock')
        .where('id', '=', Number(product.body['id']))
        .executeTakeFirstOrThrow()
      assert.equal(Number(left.stock), 0)
      await assertInvariants(db)
    })
  })

  test('2,000 concurrent claims of a 100-coupon over both instances: 100 issued, none twice to a user', async () => {
    const coupon = await call(a.base, 'POST', '/api/v1/admin/coupons', {
      token: admin,
      body: { name: 'Rush', discountType: 'FIXED', discountValue: 100, totalQuantity: 100, validDays: 7 },
    })
    // 1,000 users, each claiming twice at once: once through each instance.
    const claims = await Promise.all(
      Array.from({ length: 2_000 }, async (_, i) => {
        const userId = 1_000 + (i % 1_000)
        return call(instance(i).base, 'POST', `/api/v1/coupons/${coupon.body['id']}/issue`, {
          token: await tokenFor(userId),
          body: { userId },
        })
      }),
    )
    const counts = tally(claims)
    assert.equal(counts[201], 100, JSON.stringify(counts))
    assert.equal(counts[201]! + counts[409]!, 2_000, JSON.stringify(counts))
    await withDatabase(database.url, async (db) => {
      const rows = await sql<{ n: number; users: number }>`
        select count(*) as n, count(distinct user_id) as users from user_coupons where coupon_id = ${coupon.body['id']}`.execute(
        db,
      )
      assert.equal(Number(rows.rows[0]!.n), 100)
      assert.equal(Number(rows.rows[0]!.users), 100)
      await assertInvariants(db)
    })
  })

  test('the same Idempotency-Key sent to both instances at once is executed once', async () => {
    const userId = 5_000
    const token = await tokenFor(userId)
    for (let round = 0; round < 10; round++) {
      const key = `double-${round}`
      const answers = await Promise.all(
        [a, b].map((to) =>
          call(to.base, 'POST', `/api/v1/points/users/${userId}/charge`, {
            token,
            body: { amount: 1_000 },
            headers: { 'idempotency-key': key },
          }),
        ),
      )
      // Either both see the one execution (the second replays it) or the second is told it is in flight.
      assert.ok(
        answers.every(
          (r) => r.status === 200 || (r.status === 409 && r.body['code'] === 'IDEMPOTENCY_KEY_IN_PROGRESS'),
        ),
        JSON.stringify(answers),
      )
      assert.ok(answers.some((r) => r.status === 200))
    }
    const wallet = await call(a.base, 'GET', `/api/v1/points/users/${userId}`, { token })
    assert.equal(wallet.body['balance'], 10_000, 'ten keys, ten charges of 1,000')
  })

  test('every paid order reaches the data platform exactly once', async () => {
    const paid = await withDatabase(database.url, async (db) => {
      const row = await db
        .selectFrom('orders')
        .select(db.fn.countAll<number>().as('n'))
        .where('status', '=', 'PAID')
        .executeTakeFirstOrThrow()
      return Number(row.n)
    })
    await eventually('the paid orders at the data platform', async () => receiver.accepted.size >= paid)
    assert.equal(receiver.accepted.size, paid)
    assert.ok(
      [...receiver.accepted.values()].every((n) => n === 1),
      'no event arrived twice',
    )
  })
})
