/**
 * The auth matrix: every route against every kind of caller. Public routes answer anyone; user
 * routes need a valid token and act only for its user (another user's id: 403, another user's
 * order: 404); admin routes need an admin. Every refusal is problem+json and changes nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { type JWTPayload, SignJWT } from 'jose'
import { MINUTE } from '../platform/clock/index.js'
import { ADMIN_ID, startTestApp, TEST_SECRET, type TestApp } from '../testing/harness.js'
import { unchanged } from '../testing/snapshot.js'
import { mintToken } from './index.js'

type Kind = 'public' | 'self' | 'order' | 'admin'
interface Route {
  method: 'GET' | 'POST' | 'PATCH'
  url: string
  kind: Kind
  body?: object
  /** The status when allowed (undefined: any status below 400). */
  ok?: number
}

// The fixture (see `seed`): product 1, coupon 1, and user 1 with points and PENDING orders 1 and 2.
const routes: Route[] = [
  { method: 'GET', url: '/api/v1/products', kind: 'public', ok: 200 },
  { method: 'GET', url: '/api/v1/products/1', kind: 'public', ok: 200 },
  { method: 'GET', url: '/api/v1/products/top?days=7', kind: 'public', ok: 200 },
  { method: 'GET', url: '/api/v1/coupons', kind: 'public', ok: 200 },
  { method: 'GET', url: '/api/v1/coupons/1', kind: 'public', ok: 200 },
  { method: 'GET', url: '/health/live', kind: 'public', ok: 200 },
  { method: 'GET', url: '/health/ready', kind: 'public', ok: 200 },
  { method: 'GET', url: '/openapi.json', kind: 'public', ok: 200 },
  { method: 'GET', url: '/docs', kind: 'public' },
  { method: 'GET', url: '/docs/', kind: 'public', ok: 200 },
  { method: 'GET', url: '/api/v1/points/users/1', kind: 'self', ok: 200 },
  { method: 'POST', url: '/api/v1/points/users/1/charge', kind: 'self', body: { amount: 1000 }, ok: 200 },
  { method: 'GET', url: '/api/v1/points/users/1/history', kind: 'self', ok: 200 },
  { method: 'POST', url: '/api/v1/coupons/1/issue', kind: 'self', body: { userId: 1 }, ok: 201 },
  { method: 'GET', url: '/api/v1/coupons/users/1', kind: 'self', ok: 200 },
  { method: 'GET', url: '/api/v1/orders/users/1', kind: 'self', ok: 200 },
  {
    method: 'POST',
    url: '/api/v1/orders',
    kind: 'self',
    body: { userId: 1, items: [{ productId: 1, quantity: 1 }] },
    ok: 201,
  },
  { method: 'GET', url: '/api/v1/orders/1', kind: 'order', ok: 200 },
  { method: 'POST', url: '/api/v1/orders/1/payment', kind: 'order', ok: 200 },
  { method: 'POST', url: '/api/v1/orders/2/cancel', kind: 'order', ok: 200 },
  {
    method: 'POST',
    url: '/api/v1/admin/products',
    kind: 'admin',
    body: { name: 'N', price: 1, stock: 1 },
    ok: 201,
  },
  { method: 'PATCH', url: '/api/v1/admin/products/1', kind: 'admin', body: { name: 'Renamed' }, ok: 200 },
  { method: 'POST', url: '/api/v1/admin/products/1/stock', kind: 'admin', body: { delta: 1 }, ok: 200 },
  {
    method: 'POST',
    url: '/api/v1/admin/coupons',
    kind: 'admin',
    body: { name: 'N', discountType: 'FIXED', discountValue: 1, totalQuantity: 1, validDays: 1 },
    ok: 201,
  },
  { method: 'POST', url: '/api/v1/admin/coupons/1/grants', kind: 'admin', body: { userIds: [3] }, ok: 200 },
]
const privateRoutes = routes.filter((r) => r.kind !== 'public')
const publicRoutes = routes.filter((r) => r.kind === 'public')

async function seed(t: TestApp) {
  const p = await t.createProduct({ price: 1_000, stock: 100 })
  const c = await t.createCoupon({ totalQuantity: 100 })
  await t.charge(1, 100_000)
  const token = await t.token(1)
  const later = { userId: 1, items: [{ productId: p.id, quantity: 1 }], payment: 'LATER' }
  const orders = []
  for (const _ of [1, 2]) orders.push((await t.call('POST', '/api/v1/orders', { token, body: later })).json())
  assert.deepEqual(
    [p.id, c.id, ...orders.map((o) => [o.id, o.status])],
    [1, 1, [1, 'PENDING_PAYMENT'], [2, 'PENDING_PAYMENT']],
  )
}

const send = (t: TestApp, r: Route, authorization?: string) =>
  t.call(r.method, r.url, { body: r.body, headers: authorization ? { authorization } : {} })

/** Sends, and asserts a problem+json refusal that left every table as it was. */
async function expectRefused(
  t: TestApp,
  r: Route,
  authorization: string | undefined,
  status: number,
  code: string,
) {
  const { result: res, changed } = await unchanged(t.runtime.db, () => send(t, r, authorization))
  assert.equal(res.statusCode, status, res.body)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  assert.equal(res.json().code, code, res.body)
  if (status === 401) assert.match(String(res.headers['www-authenticate']), /^Bearer\b/)
  assert.deepEqual(changed, [], `a refused request changed ${changed.join(', ')}`)
  return res
}
const expectAllowed = (res: LightMyRequestResponse, r: Route) =>
  r.ok === undefined
    ? assert.ok(res.statusCode < 400, res.body)
    : assert.equal(res.statusCode, r.ok, res.body)

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const OTHER_SECRET = 'another-secret-that-is-also-32-bytes-long!!'
const key = (secret: string) => new TextEncoder().encode(secret)
/** The claims of a valid customer-1 token at the test clock's time; each bad token differs in one way. */
const claims = (t: TestApp) => {
  const now = Math.floor(t.clock.now() / 1000)
  return { sub: '1', role: 'customer', iat: now, exp: now + 3600 }
}
const sign = (t: TestApp, extra: JWTPayload = {}, opts: { secret?: string; alg?: string } = {}) =>
  new SignJWT({ ...claims(t), ...extra })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .sign(key(opts.secret ?? TEST_SECRET))
const bearer = async (token: string | Promise<string>) => `Bearer ${await token}`
const admin = { sub: `${ADMIN_ID}`, role: 'admin' }

/** [what, the Authorization header it sends]. */
const credentials: [string, (t: TestApp) => Promise<string | undefined> | string | undefined][] = [
  ['no Authorization header', () => undefined],
  ['"Bearer" alone', () => 'Bearer'],
  ['"Bearer " and nothing', () => 'Bearer '],
  ['Basic credentials', () => `Basic ${Buffer.from('user:pass').toString('base64')}`],
  ['a token without the Bearer scheme', (t) => sign(t)],
  ['a garbage JWT', () => 'Bearer abc.def.ghi'],
  ['a JWT of two parts', async (t) => `Bearer ${(await sign(t)).split('.').slice(0, 2).join('.')}`],
  [
    'an expired token',
    (t) => bearer(mintToken(TEST_SECRET, { userId: 1, now: t.clock.now() - 7_200_000, ttlSeconds: 60 })),
  ],
  ['a token not valid yet', (t) => bearer(sign(t, { nbf: claims(t).iat + 600 }))],
  [
    'a token signed with another secret',
    (t) => bearer(mintToken(OTHER_SECRET, { userId: 1, now: t.clock.now() })),
  ],
  ['an admin token signed with another secret', (t) => bearer(sign(t, admin, { secret: OTHER_SECRET }))],
  ['an alg:none token', (t) => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(t))}.`],
  ['an alg:none admin token', (t) => `Bearer ${b64({ alg: 'none' })}.${b64({ ...claims(t), ...admin })}.`],
  ['an HS512 token (not on the allow-list)', (t) => bearer(sign(t, {}, { alg: 'HS512' }))],
  [
    'a payload made admin under the original signature',
    async (t) => {
      const [header, , signature] = (await sign(t)).split('.')
      return `Bearer ${header}.${b64({ ...claims(t), ...admin })}.${signature}`
    },
  ],
  [
    'a token without exp',
    (t) => {
      const { exp: _, ...rest } = claims(t)
      return bearer(new SignJWT(rest).setProtectedHeader({ alg: 'HS256' }).sign(key(TEST_SECRET)))
    },
  ],
  ['a token without sub', (t) => bearer(sign(t, { sub: undefined }))],
  ...['abc', '0', '-1', '1.5', '01', ' 1', '9999999999999999'].map((sub): (typeof credentials)[number] => [
    `sub "${sub}"`,
    (t) => bearer(sign(t, { sub })),
  ]),
  ['role "superuser"', (t) => bearer(sign(t, { role: 'superuser' }))],
  ['role "ADMIN"', (t) => bearer(sign(t, { ...admin, role: 'ADMIN' }))],
  ['role ["admin"]', (t) => bearer(sign(t, { ...admin, role: ['admin'] }))],
]

describe('anonymous callers and bad credentials', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
    await seed(t)
  })
  after(() => t.close())

  test('the baseline the bad tokens are made from is accepted', async () => {
    assert.equal(
      (await send(t, routes.find((r) => r.kind === 'self')!, await bearer(sign(t)))).statusCode,
      200,
    )
  })

  for (const [what, authorization] of credentials) {
    describe(what, () => {
      for (const r of privateRoutes) {
        test(`${r.method} ${r.url} is 401`, async () => {
          await expectRefused(t, r, await authorization(t), 401, 'UNAUTHORIZED')
        })
      }
      for (const r of publicRoutes) {
        test(`${r.method} ${r.url} is served`, async () =>
          expectAllowed(await send(t, r, await authorization(t)), r))
      }
    })
  }

  for (const r of privateRoutes.filter((r) => r.body)) {
    test(`${r.method} ${r.url} checks the token before the body: no token and a bad body is 401`, async () => {
      await expectRefused(t, { ...r, body: { junk: [1.5, null] } }, undefined, 401, 'UNAUTHORIZED')
    })
  }

  const unknown: [string, string][] = [
    ['GET', '/api/v1/nope'],
    ['POST', '/api/v1/orders/1/refund'],
    ['DELETE', '/api/v1/orders/1'],
    ['PUT', '/api/v1/products/1'],
    ['GET', '/api/v1/admin/users'],
    ['GET', '/nope'],
  ]
  for (const [method, url] of unknown) {
    test(`${method} ${url} is ROUTE_NOT_FOUND with or without a token`, async () => {
      for (const authorization of [undefined, 'Bearer abc.def.ghi', await bearer(sign(t))]) {
        const r = { method: method as Route['method'], url, kind: 'public' as const }
        await expectRefused(t, r, authorization, 404, 'ROUTE_NOT_FOUND')
      }
    })
  }

  test('a token that worked stops working once it expires, though the verifier remembers it', async () => {
    const token = await bearer(mintToken(TEST_SECRET, { userId: 1, now: t.clock.now(), ttlSeconds: 60 }))
    const balance = routes.find((r) => r.url === '/api/v1/points/users/1')!
    assert.equal((await send(t, balance, token)).statusCode, 200)
    t.clock.advance(MINUTE + 1_000)
    await expectRefused(t, balance, token, 401, 'UNAUTHORIZED')
  })
})

/** What each caller gets on a route it may not use; undefined: allowed. */
const callers: [string, (t: TestApp) => Promise<string>, (r: Route) => [number, string] | undefined][] = [
  ['the owner (customer 1)', (t) => t.token(1), (r) => (r.kind === 'admin' ? [403, 'FORBIDDEN'] : undefined)],
  [
    'another customer (2)',
    (t) => t.token(2),
    (r) =>
      r.kind === 'self' || r.kind === 'admin'
        ? [403, 'FORBIDDEN']
        : r.kind === 'order'
          ? [404, 'NOT_FOUND']
          : undefined,
  ],
  ['an admin', (t) => t.adminToken(), () => undefined],
]

for (const [who, token, refusal] of callers) {
  describe(`${who} on every route`, () => {
    let t: TestApp
    let authorization: string
    before(async () => {
      t = await startTestApp()
      await seed(t)
      authorization = await bearer(token(t))
    })
    after(() => t.close())

    for (const r of routes) {
      const refused = refusal(r)
      test(`${r.method} ${r.url} is ${refused ? refused.join(' ') : 'allowed'}`, async () => {
        if (refused) await expectRefused(t, r, authorization, ...refused)
        else expectAllowed(await send(t, r, authorization), r)
        await t.invariants()
      })
    }
  })
}
