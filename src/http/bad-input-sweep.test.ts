/**
 * No input may give a 500: a generated set of junk bodies (fixed seeds, so a failure repeats)
 * fired at every route that takes a body. Whatever a route makes of it, the answer is < 500, every
 * refusal is problem+json, and the books still balance.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import {
  type BodyRoute,
  big,
  bodyRoutes,
  Raw,
  type RefusalApp,
  raw,
  startRefusalApp,
  toJson,
  UC,
  UNKNOWN,
  withField,
} from '../testing/refusals.js'

const deep = (n: number, open: string, close: string) => `${open.repeat(n)}${close.repeat(n)}`

/** Whole documents, each sent as JSON and under three other content types. */
const texts = [
  '',
  ' ',
  '{',
  '}',
  '{"a":',
  '{}}',
  'null',
  'true',
  '-0',
  '1e999',
  '"x"',
  '[]',
  'NaN',
  '\u0000',
  '\ufeff{}',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":"\\ud800"}',
  deep(10_000, '[', ']'),
  `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
  `[${'1,'.repeat(20_000)}1]`,
]
const types = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
]

/** Values put in place of each field of an accepted body, in turn. */
const values: unknown[] = [
  ...[null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 63, Number.MIN_VALUE],
  ...[big('1e400'), big('-1e400'), big('1E2'), big('0.0000001'), big('123456789012345678901234567890')],
  ...[
    '',
    ' ',
    '0',
    '1',
    'null',
    '\u0000',
    '\ud800',
    'x'.repeat(100_000),
    '<script>',
    "'; drop table orders; --",
  ],
  ...['2026-03-02T23:59:60Z', '9999-12-31T23:59:59-23:59', '0000-01-01T00:00:00Z', '2026-03-02t00:00:00z'],
  ...[[], [null], [[]], {}, { a: 1 }, JSON.parse(deep(500, '[', ']'))],
  ...fc.sample(fc.jsonValue(), { seed: 7, numRuns: 20 }),
]

/** Optional fields, added to the accepted bodies so that they get junk too. */
const optional: Partial<Record<BodyRoute, object>> = {
  order: { userCouponId: UC, payment: 'LATER' },
  patch: { price: 1 },
  coupon: {
    maxDiscount: 1,
    minOrderAmount: 0,
    issueStartsAt: '2026-03-01T00:00:00Z',
    issueEndsAt: '2026-04-01T00:00:00Z',
  },
}

const shown = (value: unknown) => {
  const text = typeof value === 'string' ? JSON.stringify(value) : toJson(value)
  return text.length > 60 ? `${text.slice(0, 60)}... (${text.length} chars)` : text
}

/** Every field path of a body: `items`, `items.0`, `items.0.productId`... */
const fieldsOf = (value: unknown, prefix = ''): string[] =>
  value !== null && typeof value === 'object'
    ? Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...fieldsOf(v, `${prefix}${k}.`)])
    : []

describe('junk bodies never give a 500', () => {
  let app: RefusalApp
  before(async () => {
    app = await startRefusalApp()
  })
  after(() => app.t.close())

  test('every route that takes a body answers < 500 to every junk body', async () => {
    // Each route as it is, and (where it has an id) with an id of nothing.
    const targets = (Object.entries(bodyRoutes) as [BodyRoute, (typeof bodyRoutes)[BodyRoute]][]).flatMap(
      ([key, r]) => {
        const full = { ...r, body: r.body && { ...r.body, ...optional[key] } }
        const elsewhere = r.url.replace(/\/1(\/|$)/, `/${UNKNOWN}$1`)
        return elsewhere === r.url ? [full] : [full, { ...full, url: elsewhere }]
      },
    )
    const failures: string[] = []
    let sent = 0
    let key = 0
    for (const { method, url, who, body } of targets) {
      const bodies: [string, unknown][] = texts.map((text) => [`the text ${shown(text)}`, raw(text)])
      for (const field of fieldsOf(body)) {
        for (const v of values) bodies.push([`${field} = ${shown(v)}`, withField(body!, field, v)])
      }
      // Bodies with the route's own field names (any, for a route without a body) and random values.
      const names = Object.keys(body ?? { userId: 1, amount: 1 })
      const shaped = fc.dictionary(fc.constantFrom(...names), fc.jsonValue(), { minKeys: 1 })
      for (const b of fc.sample(shaped, { seed: 11, numRuns: 30 })) bodies.push([`the body ${shown(b)}`, b])
      for (const [what, b] of bodies) {
        for (const type of b instanceof Raw ? types : ['application/json']) {
          // Every other request also carries an Idempotency-Key, so keys see junk as well.
          const headers = ++key % 2 ? { 'idempotency-key': `sweep-${key}` } : undefined
          const request = `${method} ${url} with ${what} as ${type}`
          sent++
          try {
            const res = await app.send({ method, url, who, body: b, type, headers })
            const problem = /^application\/problem\+json/.test(String(res.headers['content-type']))
            if (res.statusCode >= 500 || (res.statusCode >= 400 && !problem)) {
              failures.push(`${request} -> ${res.statusCode} ${res.body.slice(0, 200)}`)
            }
          } catch (error) {
            failures.push(`${request} -> ${(error as Error).message.slice(0, 300)}`)
          }
        }
      }
    }
    assert.ok(sent > 2_000, `only ${sent} requests were sent`)
    assert.deepEqual(failures, [], `${failures.length} of ${sent} junk requests failed`)
    await app.t.invariants()
  })
})
