import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { MemoryCache } from '../platform/cache/index.js'
import { DAY, HOUR, SECOND } from '../platform/clock/index.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { createTopProducts } from './top-products.js'

describe('top products', () => {
  let t: TestApp
  let products: { id: number }[]
  before(async () => {
    t = await startTestApp({ TOP_PRODUCTS_MAX_STALENESS_SECONDS: '5' })
    products = []
    for (let i = 0; i < 7; i++)
      products.push(await t.createProduct({ name: `P${i}`, price: 100, stock: 1_000 }))
    await t.charge(1, 1_000_000)
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  const buy = async (index: number, quantity: number) => {
    const res = await t.call('POST', '/api/v1/orders', {
      token: await t.token(1),
      body: { userId: 1, items: [{ productId: products[index]!.id, quantity }] },
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json().id as number
  }
  const top = async (query = '') => (await t.call('GET', `/api/v1/products/top${query}`)).json()
  const ranking = (body: { items: { productId: number; soldQuantity: number }[] }) =>
    body.items.map((i) => [products.findIndex((p) => p.id === i.productId), i.soldQuantity])

  test('ranks paid quantities in the window, ties by lower id, cancelled orders excluded, cached within the bound', async () => {
    // Four days ago: outside the default 3-day window.
    await buy(6, 50)
    t.clock.advance(DAY + HOUR)
    await buy(0, 3)
    await buy(1, 5)
    await buy(2, 5)
    await buy(3, 1)
    await buy(4, 2)
    const cancelled = await buy(5, 40)
    await t.call('POST', `/api/v1/orders/${cancelled}/cancel`, { token: await t.token(1) })
    t.clock.advance(3 * DAY - 2 * HOUR)

    const body = await top()
    assert.deepEqual(ranking(body), [
      [1, 5],
      [2, 5],
      [0, 3],
      [4, 2],
      [3, 1],
    ])
    assert.deepEqual(
      body.items.map((i: { rank: number }) => i.rank),
      [1, 2, 3, 4, 5],
    )
    assert.equal(body.to, new Date(t.clock.now()).toISOString())
    assert.equal(body.from, new Date(t.clock.now() - 3 * DAY).toISOString())
    assert.deepEqual(ranking(await top('?limit=2')), [
      [1, 5],
      [2, 5],
    ])
    assert.equal(ranking(await top('?days=7'))[0]![0], 6, 'a wider window sees the old order')

    // A new sale is not visible while the cached list is fresh, and is within the staleness bound.
    await buy(3, 10)
    t.clock.advance(2 * SECOND)
    assert.deepEqual(ranking(await top())[0], [1, 5])
    t.clock.advance(3 * SECOND)
    assert.deepEqual(ranking(await top())[0], [3, 11])
  })

  test('200 concurrent readers during an expiry cause one computation', async () => {
    let computations = 0
    const cache = new MemoryCache(t.clock)
    const topProducts = createTopProducts({
      db: t.runtime.db,
      clock: t.clock,
      cache,
      maxStalenessSeconds: 5,
      onCompute: () => computations++,
    })
    await Promise.all(Array.from({ length: 200 }, () => topProducts(3, 5)))
    assert.equal(computations, 1)
    t.clock.advance(3 * SECOND) // past half the bound: served, one background refresh
    await Promise.all(Array.from({ length: 200 }, () => topProducts(3, 5)))
    await topProducts.settled()
    assert.equal(computations, 2)
    t.clock.advance(10 * SECOND) // past the bound: recomputed once in the foreground
    await Promise.all(Array.from({ length: 200 }, () => topProducts(3, 5)))
    assert.equal(computations, 3)
  })
})
