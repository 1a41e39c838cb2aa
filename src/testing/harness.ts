import assert from 'node:assert/strict'
/**
 * Starts a real Floodgate (real SQLite, real HTTP stack through `inject`) on a manual clock for a
 * test, with helpers to mint tokens and seed data through the admin API.
 */
import fs from 'node:fs'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { mintToken } from '../auth/index.js'
import { loadConfig } from '../config/index.js'
import { createResponseValidator } from '../contract/index.js'
import { DAY, ManualClock } from '../platform/clock/index.js'
import { createRuntime, type Runtime } from '../runtime.js'
import { createTestDatabase, createTestServices } from './backend.js'
import { assertInvariants } from './invariants.js'

const validate = createResponseValidator(
  JSON.parse(fs.readFileSync(new URL('../../openapi/v1.json', import.meta.url), 'utf8')),
)

/**
 * Every answer a test sees must be one the committed OpenAPI document allows (status and body).
 * Unversioned alias paths are checked against their v1 successor.
 */
function assertHonoursSpec(method: string, url: string, res: LightMyRequestResponse): void {
  const path = url.split('?')[0]!
  const specPath = /^\/api\/(?!v1\/)/.test(path) ? path.replace(/^\/api\//, '/api/v1/') : path
  const type = res.headers['content-type'] as string | undefined
  const problems =
    validate(method, path, res.statusCode, type, res.body) ??
    validate(method, specPath, res.statusCode, type, res.body)
  if (problems === undefined) {
    const unmatched = res.statusCode === 404 && res.body.includes('"ROUTE_NOT_FOUND"')
    if (!unmatched && path.startsWith('/api/'))
      throw new Error(`${method} ${path} answered ${res.statusCode} but is not in openapi/v1.json`)
    return
  }
  if (problems.length > 0) throw new Error(`the answer breaks the contract:\n  ${problems.join('\n  ')}`)
}

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

/** The configuration every test app runs with: an empty database, a known secret, no logs. */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}) {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    SEED: 'none',
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    // In-process tests exercise the API; the storefront's own test passes a folder.
    STOREFRONT_DIR: 'none',
    // One test client sends thousands of requests at one instant of the manual clock: the admission
    // pipeline stays on, with bursts no test reaches (src/admission's tests set their own limits).
    RATE_LIMIT_USER_BURST: '1000000',
    RATE_LIMIT_IP_BURST: '1000000',
    // Tests move the manual clock by minutes while requests are in flight; that is not lateness.
    ADMISSION_DEADLINE_MS: '3600000',
    ADMISSION_CRITICAL_WAIT_MS: '0',
    ...env,
  })
}

export async function startTestApp(
  env: Record<string, string> = {},
  opts: { logStream?: NodeJS.WritableStream } = {},
): Promise<TestApp> {
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00.000Z'))
  const database = await createTestDatabase()
  const services = await createTestServices()
  const config = testConfig(database.url, { ...services.env, ...env })
  const runtime = await createRuntime(config, {
    clock,
    background: false,
    defaultMetrics: false,
    ...(opts.logStream ? { logger: { level: 'info', stream: opts.logStream } } : {}),
  })
  const token = (userId: number, role: 'customer' | 'admin' = 'customer') =>
    mintToken(TEST_SECRET, { userId, role, now: clock.now(), ttlSeconds: 365 * DAY })

  const call: TestApp['call'] = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`
    const res = await runtime.app.inject({
      method,
      url,
      headers,
      ...(opts.body === undefined
        ? {}
        : typeof opts.body === 'string'
          ? { payload: opts.body }
          : { payload: opts.body as object }),
    })
    assertHonoursSpec(String(method), url, res)
    return res
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
    async close() {
      await runtime.close()
      await Promise.all([database.drop(), services.drop()])
    },
  }
}

/** Asserts a refusal: the status, problem+json, and the stable code. */
export async function expectProblem(
  pending: LightMyRequestResponse | Promise<LightMyRequestResponse>,
  status: number,
  code: string,
): Promise<void> {
  const res = await pending
  assert.equal(res.statusCode, status, res.body)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  assert.equal(res.json().code, code, res.body)
}
