import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, afterEach, before, describe, test } from 'node:test'
import { HOUR } from '../platform/clock/index.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { namedAliases } from './aliases.js'

const aliasCount = async (t: TestApp, alias: string) => {
  const metric = await t.runtime.metrics.deprecatedAliasRequests.get()
  return metric.values.find((v) => v.labels.alias === alias)?.value ?? 0
}

function assertDeprecationHeaders(headers: Record<string, unknown>, successor: string) {
  assert.match(String(headers['deprecation']), /^@\d+$/, 'Deprecation is an RFC 9745 date')
  assert.equal(headers['sunset'], 'Wed, 30 Jun 2027 00:00:00 GMT')
  assert.equal(headers['link'], `<${successor}>; rel="successor-version"`)
}

describe('deprecated aliases', () => {
  let t: TestApp
  let productId: number
  before(async () => {
    t = await startTestApp({ API_ALIAS_SUNSET: '2027-06-30T00:00:00Z' })
    productId = (await t.createProduct({ price: 5_000, stock: 50 })).id
    await t.charge(1, 100_000)
    await t.call('POST', '/api/v1/orders', {
      token: await t.token(1),
      body: { userId: 1, items: [{ productId, quantity: 3 }] },
    })
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  test('the table names the two renamed paths', () => {
    assert.deepEqual(
      namedAliases.map((a) => `${a.method} ${a.path}`),
      ['GET /api/products/popular', 'POST /api/points/charge'],
    )
  })

  test('GET /api/products/popular answers as /api/v1/products/top', async () => {
    const before = await aliasCount(t, 'products-popular')
    const old = await t.call('GET', '/api/products/popular?days=3&limit=5')
    const current = await t.call('GET', '/api/v1/products/top?days=3&limit=5')
    assert.equal(old.statusCode, 200)
    assert.deepEqual(old.json(), current.json())
    assert.equal(old.json().items[0].productId, productId)
    assertDeprecationHeaders(old.headers, '/api/v1/products/top')
    assert.equal(current.headers['deprecation'], undefined, 'the successor is not deprecated')
    assert.equal(await aliasCount(t, 'products-popular'), before + 1)
  })

  test('POST /api/points/charge {userId, amount} charges like its successor', async () => {
    const token = await t.token(2)
    const before = await aliasCount(t, 'points-charge')
    const old = await t.call('POST', '/api/points/charge', { token, body: { userId: 2, amount: 3_000 } })
    assert.equal(old.statusCode, 200, old.body)
    assert.deepEqual(old.json(), { userId: 2, balance: 3_000, charged: 3_000 })
    const current = await t.call('POST', '/api/v1/points/users/2/charge', { token, body: { amount: 3_000 } })
    assert.deepEqual(current.json(), { userId: 2, balance: 6_000, charged: 3_000 })
    assertDeprecationHeaders(old.headers, '/api/v1/points/users/2/charge')
    assert.equal(await aliasCount(t, 'points-charge'), before + 1)
    // Same guards as the successor: acting for someone else is refused.
    const other = await t.call('POST', '/api/points/charge', { token, body: { userId: 3, amount: 3_000 } })
    assert.equal(other.statusCode, 403)
  })

  test('every v1 path also answers unversioned, with the same body', async () => {
    const before = await aliasCount(t, 'unversioned')
    const old = await t.call('GET', `/api/products/${productId}`)
    assert.deepEqual(old.json(), (await t.call('GET', `/api/v1/products/${productId}`)).json())
    assertDeprecationHeaders(old.headers, `/api/v1/products/${productId}`)
    assert.equal(await aliasCount(t, 'unversioned'), before + 1)
  })

  test('alias use is logged at most once per client and alias per hour', async () => {
    const lines: string[] = []
    const logs = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const app = await startTestApp({}, { logStream: logs })
    try {
      const logged = () => lines.filter((l) => l.includes('deprecated alias used')).length
      for (let i = 0; i < 3; i++) await app.call('GET', '/api/products/popular')
      assert.equal(logged(), 1)
      await app.call('GET', '/api/points/users/5', { token: await app.token(5) })
      assert.equal(logged(), 2, 'another alias and client is logged on its own')
      app.clock.advance(HOUR - 1)
      await app.call('GET', '/api/products/popular')
      assert.equal(logged(), 2)
      app.clock.advance(1)
      await app.call('GET', '/api/products/popular')
      assert.equal(logged(), 3)
      assert.doesNotMatch(lines.join('\n'), /Bearer|eyJ/, 'tokens never reach the log')
    } finally {
      await app.close()
    }
  })
})
