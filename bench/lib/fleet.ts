/**
 * Production mode for benchmarks: a fresh MariaDB database, a private Redis key prefix, and
 * several Floodgate instances as separate processes over them. Servers default to the local ones
 * (BENCH_MYSQL_URL, BENCH_REDIS_URL override).
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { createConnection } from 'mysql2/promise'
import { mintToken } from '../../src/auth/index.js'
import { eachLimited, expect } from './api.js'
import {
  freePort,
  makeTempDir,
  type Placement,
  randomSecret,
  type ServerProcess,
  spawnServer,
} from './server.js'

export const MYSQL_URL = process.env['BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306'
export const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

export interface Fleet {
  instances: ServerProcess[]
  databaseUrl: string
  adminToken: string
  /** The instances' JWT secret, for tools that mint their own users' tokens. */
  secret: string
  buyers: { userId: number; token: string }[]
  query<T>(text: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
  /** Stops instance i and starts a fresh process in its place, on the same database and Redis. */
  restart(i: number): Promise<ServerProcess>
}

export interface FleetOptions {
  instances: number
  buyers: number
  /** Extra environment for every instance (pool size, staleness …). */
  env?: Record<string, string>
  /** Extra node flags for every instance (e.g. --cpu-prof). */
  nodeArgs?: string[]
  /** Where every instance runs (see `Placement`). */
  placement?: Placement | undefined
}

export async function openFleet(opts: FleetOptions): Promise<Fleet> {
  const id = randomBytes(5).toString('hex')
  const name = `floodgate_bench_${id}`
  const admin = await createConnection(MYSQL_URL)
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`)
  const databaseUrl = `${MYSQL_URL.replace(/\/$/, '')}/${name}`
  const prefix = `floodgate-bench-${id}:`
  const secret = randomSecret()
  const temp = makeTempDir()
  const instances: ServerProcess[] = []
  const close = async () => {
    await Promise.all(instances.map((i) => i.stop()))
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => {})
    await admin.end()
    const redis = new Redis(REDIS_URL)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
    temp.remove()
  }
  const spawn = async (i: number) => {
    const port = await freePort()
    return spawnServer({
      name: `floodgate-${i + 1}`,
      script: 'src/main.ts',
      port,
      readyPath: '/health/ready',
      ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
      placement: opts.placement,
      env: {
        DATABASE_URL: databaseUrl,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        DATA_DIR: temp.dir,
        SEED: 'none',
        JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
        // One client IP and a few users send everything: per-client limits would measure themselves
        // (what a refusal costs is `npm run bench:admission`).
        RATE_LIMIT_USER_RATE: '0',
        RATE_LIMIT_IP_RATE: '0',
        PORT: String(port),
        POINTS_MAX_CHARGE: '1000000000',
        POINTS_MAX_BALANCE: '1000000000000',
        ...opts.env,
      },
    })
  }
  try {
    for (let i = 0; i < opts.instances; i++) {
      // One at a time: the first creates the schema (concurrent starts are tested elsewhere).
      instances.push(await spawn(i))
    }
    const adminToken = await mintToken(secret, { userId: 900_000, role: 'admin', ttlSeconds: 3600 })
    const buyers = await Promise.all(
      Array.from({ length: opts.buyers }, async (_, i) => ({
        userId: i + 1,
        token: await mintToken(secret, { userId: i + 1, ttlSeconds: 3600 }),
      })),
    )
    await eachLimited(buyers, 20, async ({ userId }) => {
      await expect(200, instances[0]!.url, 'POST', `/api/v1/points/users/${userId}/charge`, {
        token: adminToken,
        body: { amount: 1_000_000_000 },
      })
    })
    const db = await createConnection(databaseUrl)
    return {
      instances,
      databaseUrl,
      adminToken,
      secret,
      buyers,
      query: async <T>(text: string, params: unknown[] = []) => (await db.query(text, params))[0] as T[],
      close: async () => {
        await db.end()
        await close()
      },
      restart: async (i) => {
        await instances[i]!.stop()
        instances[i] = await spawn(i)
        return instances[i]!
      },
    }
  } catch (error) {
    await close()
    throw error
  }
}

export async function createProduct(fleet: Fleet, stock: number, price = 1_000): Promise<number> {
  const product = await expect<{ id: number }>(
    201,
    fleet.instances[0]!.url,
    'POST',
    '/api/v1/admin/products',
    {
      token: fleet.adminToken,
      body: { name: 'Bench product', price, stock },
    },
  )
  return product.id
}

/** Stock on the shelf and PAID orders/units for one product, read from the database itself. */
export async function productBooks(fleet: Fleet, productId: number) {
  const [product] = await fleet.query<{ stock: number }>('SELECT stock FROM products WHERE id = ?', [
    productId,
  ])
  const [paid] = await fleet.query<{ orders: number; units: string | null }>(
    `SELECT COUNT(*) AS orders, SUM(i.quantity) AS units FROM orders o JOIN order_items i ON i.order_id = o.id
      WHERE i.product_id = ? AND o.status = 'PAID'`,
    [productId],
  )
  return {
    stock: Number(product!.stock),
    paidOrders: Number(paid!.orders),
    paidUnits: Number(paid!.units ?? 0),
  }
}

/** Percentiles of a list of milliseconds. */
export function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 }
}
