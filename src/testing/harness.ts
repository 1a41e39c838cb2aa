/**
 * Starts a real Floodgate (real SQLite, real HTTP stack through `inject`) on a manual clock for a
 * test, with helpers to mint tokens and seed data through the admin API.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { mintToken } from '../auth/index.js'
import { loadConfig } from '../config/index.js'
import { DAY, ManualClock } from '../platform/clock/index.js'
import { createRuntime, type Runtime } from '../runtime.js'
import { assertInvariants } from './invariants.js'

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!!'
export const ADMIN_ID = 9000

export interface CallOptions {
  token?: string | null
  body?: unknown
  headers?: Record<string, string>
}

export interface TestApp {
  runtime: Runtime
  clock: ManualClock
  call(method: InjectOptions['method'], url: string, opts?: CallOptions): Promise<LightMyRequestResponse>
  /** A customer token for `userId`, valid for a year of manual-clock time. */
  token(userId: number): Promise<string>
  adminToken(): Promise<string>
  createProduct(input?: {
    name?: string
    price?: number
    stock?: number
  }): Promise<{ id: number; price: number; stock: number }>
  createCoupon(input?: Record<string, unknown>): Promise<{ id: number }>
  charge(userId: number, amount: number): Promise<void>
  invariants(): Promise<void>
  close(): Promise<void>
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00.000Z'))
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    SEED: 'none',
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...env,
  })
  const runtime = await createRuntime(config, { clock, background: false, defaultMetrics: false })
  const token = (userId: number, role: 'customer' | 'admin' = 'customer') =>
    mintToken(TEST_SECRET, { userId, role, now: clock.now(), ttlSeconds: 365 * DAY })

  const call: TestApp['call'] = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`
    return runtime.app.inject({
      method,
      url,
      headers,
      ...(opts.body === undefined
        ? {}
        : typeof opts.body === 'string'
          ? { payload: opts.body }
          : { payload: opts.body as object }),
    })
  }
  const admin = () => token(ADMIN_ID, 'admin')
  const expectOk = (res: LightMyRequestResponse, what: string) => {
    if (res.statusCode >= 300) throw new Error(`${what} failed: ${res.statusCode} ${res.body}`)
    return res.json()
  }

  return {
    runtime,
    clock,
    call,
    token,
    adminToken: admin,
    async createProduct(input = {}) {
      const body = { name: 'Test product', price: 10_000, stock: 10, ...input }
      return expectOk(
        await call('POST', '/api/v1/admin/products', { token: await admin(), body }),
        'create product',
      )
    },
    async createCoupon(input = {}) {
      const body = {
        name: 'Test coupon',
        discountType: 'FIXED',
        discountValue: 1_000,
        totalQuantity: 10,
        validDays: 7,
        ...input,
      }
      return expectOk(
        await call('POST', '/api/v1/admin/coupons', { token: await admin(), body }),
        'create coupon',
      )
    },
    async charge(userId, amount) {
      expectOk(
        await call('POST', `/api/v1/points/users/${userId}/charge`, {
          token: await token(userId),
          body: { amount },
        }),
        'charge',
      )
    },
    invariants: () => assertInvariants(runtime.db),
    close: () => runtime.close(),
  }
}
