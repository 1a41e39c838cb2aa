/**
 * Table-driven "this request is refused" tests (src/http/bad-input*.test.ts): one fixture, the
 * routes that take a body, and a runner that checks the problem+json answer and that nothing changed.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestApp, type TestApp } from './harness.js'
import { unchanged } from './snapshot.js'

export type Method = 'GET' | 'POST' | 'PATCH'
export type Who = 'anon' | 'user' | 'admin'

/** A JSON number written as is (JSON.stringify cannot write 1e300 or 2**64 exactly). */
export class Big {
  constructor(readonly text: string) {}
}
export const big = (text: string) => new Big(text)
/** A body sent as this exact text with content-type application/json. */
export class Raw {
  constructor(readonly text: string) {}
}
export const raw = (text: string) => new Raw(text)

/** JSON.stringify, but `Big` values are written as their text. */
export function toJson(body: unknown): string {
  const bigs: string[] = []
  const text = JSON.stringify(body, (_k, v) => (v instanceof Big ? `\u0000${bigs.push(v.text) - 1}` : v))
  return text.replace(/"\\u0000(\d+)"/g, (_m, i) => bigs[Number(i)]!)
}

export interface Case {
  name: string
  method: Method
  url: string
  who: Who
  /** An object (sent as JSON), a `Raw` JSON text, or a string sent with `type`. */
  body?: unknown
  type?: string
  headers?: Record<string, string>
  status: number
  /** Defaults by status: 400 VALIDATION_FAILED, 404 NOT_FOUND, 413, 415. */
  code?: string
  /** A field the 400's `errors` must name. */
  path?: string
}
const CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
}

/**
 * The fixture `startRefusalApp` builds: user 1 has points, coupon C, a PAID order of product P2,
 * and a PENDING order O that holds one unit of product P (5 made) and user coupon UC.
 * UNKNOWN is the id of no row at all.
 */
export const [P, P2, C, UC, O, UNKNOWN] = [1, 2, 1, 1, 1, 999_999] as const

export const newCoupon = {
  name: 'New',
  discountType: 'FIXED',
  discountValue: 1,
  totalQuantity: 1,
  validDays: 1,
}
/** Every route that takes a body, with a body it would accept (undefined: it declares none). */
export const bodyRoutes = {
  charge: { method: 'POST', url: '/api/v1/points/users/1/charge', who: 'user', body: { amount: 1000 } },
  order: {
    method: 'POST',
    url: '/api/v1/orders',
    who: 'user',
    body: { userId: 1, items: [{ productId: P2, quantity: 1 }] },
  },
  issue: { method: 'POST', url: `/api/v1/coupons/${C}/issue`, who: 'user', body: { userId: 1 } },
  product: {
    method: 'POST',
    url: '/api/v1/admin/products',
    who: 'admin',
    body: { name: 'N', price: 1, stock: 1 },
  },
  patch: { method: 'PATCH', url: `/api/v1/admin/products/${P}`, who: 'admin', body: { name: 'Renamed' } },
  stock: { method: 'POST', url: `/api/v1/admin/products/${P}/stock`, who: 'admin', body: { delta: 1 } },
  coupon: { method: 'POST', url: '/api/v1/admin/coupons', who: 'admin', body: newCoupon },
  grants: { method: 'POST', url: `/api/v1/admin/coupons/${C}/grants`, who: 'admin', body: { userIds: [2] } },
  payment: { method: 'POST', url: `/api/v1/orders/${O}/payment`, who: 'user', body: undefined },
  cancel: { method: 'POST', url: `/api/v1/orders/${O}/cancel`, who: 'user', body: undefined },
} satisfies Record<string, { method: Method; url: string; who: Who; body: object | undefined }>
export type BodyRoute = keyof typeof bodyRoutes

export interface RefusalApp {
  t: TestApp
  tokens: Record<Who, string | null>
  /** Sends a case's request the way `Case.body` says. */
  send(c: Omit<Case, 'name' | 'status'>): ReturnType<TestApp['call']>
}

export async function startRefusalApp(): Promise<RefusalApp> {
  const t = await startTestApp()
  const tokens: Record<Who, string | null> = {
    anon: null,
    user: await t.token(1),
    admin: await t.adminToken(),
  }
  const p = await t.createProduct({ price: 10_000, stock: 5 })
  const p2 = await t.createProduct({ price: 2_000, stock: 5 })
  const c = await t.createCoupon({ totalQuantity: 10 })
  await t.charge(1, 50_000)
  const issued = await t.call('POST', `/api/v1/coupons/${c.id}/issue`, {
    token: tokens.user,
    body: { userId: 1 },
  })
  const uc = issued.json()
  const pending = {
    userId: 1,
    items: [{ productId: p.id, quantity: 1 }],
    userCouponId: uc.id,
    payment: 'LATER',
  }
  const o = (await t.call('POST', '/api/v1/orders', { token: tokens.user, body: pending })).json()
  const paid = { userId: 1, items: [{ productId: p2.id, quantity: 1 }] }
  await t.call('POST', '/api/v1/orders', { token: tokens.user, body: paid })
  assert.deepEqual([p.id, p2.id, c.id, uc.id, o.id, o.status], [P, P2, C, UC, O, 'PENDING_PAYMENT'])

  const send: RefusalApp['send'] = (c) => {
    const headers = { ...c.headers }
    let body = c.body
    if (body instanceof Raw) body = body.text
    else if (body !== undefined && typeof body !== 'string') body = toJson(body)
    if (c.type) headers['content-type'] = c.type
    else if (c.body !== undefined && typeof c.body !== 'string') headers['content-type'] = 'application/json'
    return t.call(c.method, c.url, { token: tokens[c.who], body, headers })
  }
  return { t, tokens, send }
}

/** One test per case: the right 4xx, `code` and field errors as problem+json, and no change at all. */
export function refusalSuite(title: string, cases: Case[]): void {
  describe(title, () => {
    let app: RefusalApp
    before(async () => {
      app = await startRefusalApp()
    })
    after(() => app.t.close())

    for (const c of cases) {
      test(c.name, async () => {
        const { result: res, changed } = await unchanged(app.t.runtime.db, () => app.send(c))
        assert.equal(res.statusCode, c.status, res.body)
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, res.body)
        const problem = res.json()
        assert.equal(problem.code, c.code ?? CODES[c.status], res.body)
        assert.equal(problem.status, c.status)
        if (c.status === 400) {
          assert.ok(Array.isArray(problem.errors) && problem.errors.length > 0, res.body)
          for (const e of problem.errors) {
            assert.ok(typeof e.path === 'string' && typeof e.message === 'string' && e.message, res.body)
          }
          const paths = problem.errors.map((e: { path: string }) => e.path)
          if (c.path) assert.ok(paths.includes(c.path), `no ${c.path} in ${res.body}`)
        }
        assert.deepEqual(changed, [], `a refused request changed ${changed.join(', ')}`)
        await app.t.invariants()
      })
    }
  })
}

/** A copy of `body` with the field at a dotted path (`items.0.quantity`) set to `value`. */
export const withField = (body: object, field: string, value: unknown) => {
  const copy = structuredClone(body) as Record<string, unknown>
  const keys = field.split('.')
  const parent = keys.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, copy)
  parent[keys.at(-1)!] = value
  return copy
}
