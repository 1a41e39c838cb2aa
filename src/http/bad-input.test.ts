/**
 * Odd inputs, endpoint by endpoint, through the real HTTP stack: each must be refused with the
 * right 4xx and `code` as problem+json, and must leave every table exactly as it was.
 * This file: bodies that are not the route's JSON object, path ids and query strings.
 * Field by field: bad-input-fields.test.ts. Random junk (never a 500): bad-input-sweep.test.ts.
 */
import {
  type BodyRoute,
  bodyRoutes,
  type Case,
  type Method,
  raw,
  refusalSuite,
  toJson,
  UNKNOWN,
  type Who,
} from '../testing/refusals.js'

const cases: Case[] = []

// Bodies that are not a JSON object of the route, on every route that takes one.
for (const [key, r] of Object.entries(bodyRoutes) as [BodyRoute, (typeof bodyRoutes)[BodyRoute]][]) {
  const at = { method: r.method, url: r.url, who: r.who }
  cases.push(
    { ...at, name: `${key}: malformed JSON`, body: raw('{"a":'), status: 400, path: 'body' },
    // An empty JSON body means "no body": refused only where the route needs one.
    ...(r.body
      ? [{ ...at, name: `${key}: empty body as JSON`, body: raw(''), status: 400, path: 'body' }]
      : []),
    {
      ...at,
      name: `${key}: JSON sent as text/plain`,
      body: toJson(r.body ?? {}),
      type: 'text/plain',
      status: 415,
    },
    { ...at, name: `${key}: a form`, body: 'a=1', type: 'application/x-www-form-urlencoded', status: 415 },
    { ...at, name: `${key}: 1 MB`, body: { ...r.body, pad: 'x'.repeat(1024 * 1024) }, status: 413 },
  )
  if (r.method === 'POST') {
    for (const idem of ['k'.repeat(256), 'my key', '']) {
      const headers = { 'idempotency-key': idem }
      const name = `${key}: Idempotency-Key "${idem.slice(0, 10)}" (${idem.length} chars)`
      cases.push({ ...at, name, body: r.body, headers, status: 400, path: 'headers/idempotency-key' })
    }
  }
  if (!r.body) continue
  for (const text of ['null', '[]', '"x"', '5', 'true']) {
    cases.push({ ...at, name: `${key}: ${text} as body`, body: raw(text), status: 400, path: 'body' })
  }
  cases.push({
    ...at,
    name: `${key}: an unknown field`,
    body: { ...r.body, extra: 1 },
    status: 400,
    path: 'body/extra',
  })
  // Every field of the accepted body is required, except on PATCH.
  for (const field of key === 'patch' ? [] : Object.keys(r.body)) {
    const { [field]: _, ...rest } = r.body as Record<string, unknown>
    cases.push({ ...at, name: `${key}: no ${field}`, body: rest, status: 400, path: `body/${field}` })
  }
}

// Path ids that are not ids (400), and ids of nothing (404).
const idRoutes: [Method, string, Who, object?][] = [
  ['GET', '/api/v1/products/:productId', 'anon'],
  ['PATCH', '/api/v1/admin/products/:productId', 'admin', { name: 'Renamed' }],
  ['POST', '/api/v1/admin/products/:productId/stock', 'admin', { delta: 1 }],
  ['GET', '/api/v1/coupons/:couponId', 'anon'],
  ['POST', '/api/v1/coupons/:couponId/issue', 'user', { userId: 1 }],
  ['POST', '/api/v1/admin/coupons/:couponId/grants', 'admin', { userIds: [2] }],
  ['GET', '/api/v1/orders/:orderId', 'user'],
  ['POST', '/api/v1/orders/:orderId/payment', 'user'],
  ['POST', '/api/v1/orders/:orderId/cancel', 'user'],
  ['GET', '/api/v1/orders/users/:userId', 'user'],
  ['GET', '/api/v1/points/users/:userId', 'user'],
  ['GET', '/api/v1/points/users/:userId/history', 'user'],
  ['POST', '/api/v1/points/users/:userId/charge', 'user', { amount: 1000 }],
  ['GET', '/api/v1/coupons/users/:userId', 'user'],
]
for (const [method, template, who, body] of idRoutes) {
  const param = /:(\w+)/.exec(template)![1]!
  const at = (id: string) => ({ method, url: template.replace(`:${param}`, id), who, body })
  for (const id of [
    'abc',
    '0',
    '-1',
    '1.5',
    '1e300',
    '9007199254740993',
    '%20',
    '1e3',
    '0x10',
    '01',
    '%207',
  ]) {
    cases.push({ ...at(id), name: `${method} ${template} = ${id}`, status: 400, path: `params/${param}` })
  }
  // A user id is no resource: someone else's is 403 (auth-matrix.test.ts), a new user's is empty.
  if (param !== 'userId')
    cases.push({ ...at(`${UNKNOWN}`), name: `${method} ${template} of nothing`, status: 404 })
}
const product = (id: string) => ({
  method: 'GET' as const,
  url: `/api/v1/products/${id}`,
  who: 'anon' as const,
})
cases.push(
  { ...product('%E0%A4%A'), name: 'a path id that is not valid percent-encoding', status: 400 },
  { ...product('9'.repeat(201)), name: 'a path id of 201 digits', status: 400 },
)

// Query strings.
const page = [
  'limit=0',
  'limit=101',
  'limit=1.5',
  'limit=-1',
  'limit=abc',
  'limit=1e1',
  'limit=0x10',
  'limit=1&limit=2',
  'cursor=abc',
  'cursor=-1',
  'cursor=1.5',
  `cursor=${'1'.repeat(65)}`,
  'foo=1',
]
const queries: [string, Who, string[]][] = [
  ['/api/v1/products', 'anon', page],
  ['/api/v1/orders/users/1', 'user', page],
  ['/api/v1/points/users/1/history', 'user', page],
  [
    '/api/v1/products/top',
    'anon',
    ['days=31', 'days=0', 'days=1.5', 'days=abc', 'limit=21', 'limit=0', 'foo=1'],
  ],
  ['/api/v1/coupons/users/1', 'user', ['status=BOGUS', 'status=available', 'status=', 'foo=1']],
]
for (const [url, who, qs] of queries) {
  for (const q of qs) {
    const path = `querystring/${q.split('=')[0]}`
    cases.push({ name: `GET ${url}?${q}`, method: 'GET', url: `${url}?${q}`, who, status: 400, path })
  }
}

refusalSuite('bad bodies, path ids and query strings are refused and change nothing', cases)
