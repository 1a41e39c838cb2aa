import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { expectProblem, startTestApp, type TestApp } from '../testing/harness.js'

describe('catalog: listing', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  test('pages follow id order with nextCursor until null', async () => {
    const made = []
    for (let i = 1; i <= 5; i++) made.push(await t.createProduct({ name: `P${i}`, price: i * 100, stock: i }))
    const walk = async (limit: number) => {
      const pages: { ids: number[]; nextCursor: string | null }[] = []
      let cursor: string | null = null
      do {
        const q: string = cursor === null ? `?limit=${limit}` : `?limit=${limit}&cursor=${cursor}`
        const res = await t.call('GET', `/api/v1/products${q}`)
        assert.equal(res.statusCode, 200, res.body)
        const page = res.json()
        pages.push({ ids: page.items.map((p: { id: number }) => p.id), nextCursor: page.nextCursor })
        cursor = page.nextCursor
      } while (cursor !== null && pages.length < 10)
      return pages
    }
    const ids = made.map((p) => p.id)
    assert.deepEqual(await walk(2), [
      { ids: ids.slice(0, 2), nextCursor: String(ids[1]) },
      { ids: ids.slice(2, 4), nextCursor: String(ids[3]) },
      { ids: ids.slice(4), nextCursor: null },
    ])
    // An exact fit has no empty trailing page.
    assert.deepEqual(await walk(5), [{ ids, nextCursor: null }])

    const all = (await t.call('GET', '/api/v1/products')).json()
    assert.equal(all.nextCursor, null)
    assert.deepEqual(
      all.items,
      made.map((p, i) => ({ id: p.id, name: `P${i + 1}`, price: (i + 1) * 100, stock: i + 1 })),
    )
    const tail = (await t.call('GET', `/api/v1/products?cursor=${ids[4]}`)).json()
    assert.deepEqual(tail, { items: [], nextCursor: null })
  })

  for (const q of ['limit=0', 'limit=101', 'limit=x', 'cursor=abc', 'cursor=-1', 'sort=name']) {
    test(`GET /products?${q} is 400 VALIDATION_FAILED`, async () => {
      await expectProblem(await t.call('GET', `/api/v1/products?${q}`), 400, 'VALIDATION_FAILED')
    })
  }
})

describe('catalog', () => {
  let t: TestApp
  let admin: string
  let customer: string
  before(async () => {
    t = await startTestApp()
    admin = await t.adminToken()
    customer = await t.token(1)
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  const product = async (id: number) => {
    const res = await t.call('GET', `/api/v1/products/${id}`)
    assert.equal(res.statusCode, 200, res.body)
    return res.json()
  }
  const productCount = async () => {
    const row = await t.runtime.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
  const stock = (id: number, delta: unknown, token: string | null = admin) =>
    t.call('POST', `/api/v1/admin/products/${id}/stock`, { token, body: { delta } })

  test('admin creates a product (201) and anyone can read it', async () => {
    const res = await t.call('POST', '/api/v1/admin/products', {
      token: admin,
      body: { name: 'Mug', price: 0, stock: 0 },
    })
    assert.equal(res.statusCode, 201, res.body)
    const created = res.json()
    assert.ok(Number.isInteger(created.id) && created.id > 0)
    assert.deepEqual(created, { id: created.id, name: 'Mug', price: 0, stock: 0 })
    assert.deepEqual(await product(created.id), created)
  })

  test('GET /products/:id: 404 NOT_FOUND, 400 for a malformed id', async () => {
    await expectProblem(await t.call('GET', '/api/v1/products/999999'), 404, 'NOT_FOUND')
    for (const id of ['abc', '0', '-3', '1.5']) {
      await expectProblem(await t.call('GET', `/api/v1/products/${id}`), 400, 'VALIDATION_FAILED')
    }
  })

  const badCreates: [string, unknown][] = [
    ['missing name', { price: 100, stock: 1 }],
    ['empty name', { name: '', price: 100, stock: 1 }],
    ['negative price', { name: 'x', price: -1, stock: 1 }],
    ['fractional price', { name: 'x', price: 1.5, stock: 1 }],
    ['price as a string', { name: 'x', price: '100', stock: 1 }],
    ['negative stock', { name: 'x', price: 100, stock: -1 }],
    ['unknown field', { name: 'x', price: 100, stock: 1, sku: 'A1' }],
  ]
  for (const [why, body] of badCreates) {
    test(`create with ${why} is 400 and creates nothing`, async () => {
      const before = await productCount()
      await expectProblem(
        await t.call('POST', '/api/v1/admin/products', { token: admin, body }),
        400,
        'VALIDATION_FAILED',
      )
      assert.equal(await productCount(), before)
    })
  }

  test('PATCH renames and reprices; stock is untouched', async () => {
    const p = await t.createProduct({ name: 'Old', price: 1_000, stock: 7 })
    const cases: [Record<string, unknown>, { name: string; price: number }][] = [
      [{ name: 'New' }, { name: 'New', price: 1_000 }],
      [{ price: 2_500 }, { name: 'New', price: 2_500 }],
      [
        { name: 'Both', price: 0 },
        { name: 'Both', price: 0 },
      ],
      [{}, { name: 'Both', price: 0 }],
    ]
    for (const [body, expected] of cases) {
      const res = await t.call('PATCH', `/api/v1/admin/products/${p.id}`, { token: admin, body })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), { id: p.id, ...expected, stock: 7 })
      assert.deepEqual(await product(p.id), { id: p.id, ...expected, stock: 7 })
    }
  })

  test('PATCH: 404 for an unknown product, 400 for a bad body; nothing changes', async () => {
    const p = await t.createProduct({ name: 'Keep', price: 500, stock: 3 })
    const count = await productCount()
    await expectProblem(
      await t.call('PATCH', '/api/v1/admin/products/999999', { token: admin, body: { name: 'Ghost' } }),
      404,
      'NOT_FOUND',
    )
    assert.equal(await productCount(), count)
    for (const body of [{ price: -1 }, { name: '' }, { stock: 100 }, { price: '9' }]) {
      await expectProblem(
        await t.call('PATCH', `/api/v1/admin/products/${p.id}`, { token: admin, body }),
        400,
        'VALIDATION_FAILED',
      )
    }
    assert.deepEqual(await product(p.id), { id: p.id, name: 'Keep', price: 500, stock: 3 })
  })

  test('stock: restock and negative correction move the shelf', async () => {
    const p = await t.createProduct({ stock: 5 })
    for (const [delta, expected] of [
      [10, 15],
      [-4, 11],
      [-11, 0],
      [1, 1],
    ] as const) {
      const res = await stock(p.id, delta)
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.json().stock, expected)
      assert.equal((await product(p.id)).stock, expected)
    }
  })

  test('stock: a correction below zero is 409 STOCK_WOULD_GO_NEGATIVE and leaves stock unchanged', async () => {
    const p = await t.createProduct({ stock: 3 })
    await expectProblem(await stock(p.id, -4), 409, 'STOCK_WOULD_GO_NEGATIVE')
    assert.equal((await product(p.id)).stock, 3)
  })

  test('stock: units held by a pending order cannot be corrected away', async () => {
    const p = await t.createProduct({ stock: 5 })
    const order = await t.call('POST', '/api/v1/orders', {
      token: customer,
      body: { userId: 1, items: [{ productId: p.id, quantity: 3 }], payment: 'LATER' },
    })
    assert.equal(order.statusCode, 201, order.body)
    await expectProblem(await stock(p.id, -3), 409, 'STOCK_WOULD_GO_NEGATIVE')
    assert.equal((await product(p.id)).stock, 2)
    assert.equal((await stock(p.id, -2)).json().stock, 0)
  })

  test('stock: 404 for an unknown product, 400 for a bad delta', async () => {
    const count = await productCount()
    await expectProblem(await stock(999999, 5), 404, 'NOT_FOUND')
    await expectProblem(await stock(999999, -5), 404, 'NOT_FOUND')
    assert.equal(await productCount(), count)
    const p = await t.createProduct({ stock: 4 })
    for (const delta of [0, 1.5, '3', null, 1_000_000_001]) {
      await expectProblem(await stock(p.id, delta), 400, 'VALIDATION_FAILED')
    }
    await expectProblem(
      await t.call('POST', `/api/v1/admin/products/${p.id}/stock`, { token: admin, body: {} }),
      400,
      'VALIDATION_FAILED',
    )
    assert.equal((await product(p.id)).stock, 4)
  })

  test('admin routes: 401 without a token, 403 for a customer; nothing changes', async () => {
    const p = await t.createProduct({ name: 'Guarded', price: 100, stock: 2 })
    const count = await productCount()
    const calls: [string, string, unknown][] = [
      ['POST', '/api/v1/admin/products', { name: 'x', price: 1, stock: 1 }],
      ['PATCH', `/api/v1/admin/products/${p.id}`, { name: 'Hijacked', price: 1 }],
      ['POST', `/api/v1/admin/products/${p.id}/stock`, { delta: 50 }],
    ]
    for (const [method, url, body] of calls) {
      await expectProblem(await t.call(method as 'POST', url, { token: null, body }), 401, 'UNAUTHORIZED')
      await expectProblem(await t.call(method as 'POST', url, { token: customer, body }), 403, 'FORBIDDEN')
    }
    assert.equal(await productCount(), count)
    assert.deepEqual(await product(p.id), { id: p.id, name: 'Guarded', price: 100, stock: 2 })
  })
})
