import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { deleteKeys } from '../platform/redis/index.js'
import { needsServices } from '../testing/backend.js'
import { startTestApp, type TestApp } from '../testing/harness.js'

const needsRedis = needsServices('redis')

describe('the Redis stock gate', needsRedis, () => {
  let t: TestApp
  let nextUser = 500
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  async function buyer() {
    const userId = nextUser++
    await t.charge(userId, 100_000)
    const token = await t.token(userId)
    return (productId: number, quantity = 1) =>
      t.call('POST', '/api/v1/orders', { token, body: { userId, items: [{ productId, quantity }] } })
  }
  const redis = () => t.runtime.services.redis!

  test('refuses a sold-out product without asking the database', async () => {
    const p = await t.createProduct({ stock: 2 })
    const buy = await buyer()
    assert.equal((await buy(p.id, 2)).statusCode, 201)
    // Units appear behind the gate's back (as if written by a tool that bypasses the API): the
    // database would now sell, so a refusal proves the gate answered alone.
    await sql`update products set stock = stock + 3, stock_added = stock_added + 3 where id = ${p.id}`.execute(
      t.runtime.db,
    )
    const refused = await buy(p.id)
    assert.equal(refused.statusCode, 409)
    assert.equal(refused.json().code, 'INSUFFICIENT_STOCK')
    assert.deepEqual(refused.json().products, [p.id])
    // A restock through the API rebuilds the gate from the database.
    const admin = await t.adminToken()
    const restock = await t.call('POST', `/api/v1/admin/products/${p.id}/stock`, {
      token: admin,
      body: { delta: 1 },
    })
    assert.equal(restock.statusCode, 200, restock.body)
    assert.equal((await buy(p.id, 4)).statusCode, 201)
    assert.equal((await buy(p.id)).json().code, 'INSUFFICIENT_STOCK')
  })

  test('a failed order gives its reservation back; a cancelled one returns its units', async () => {
    const p = await t.createProduct({ stock: 1, price: 1_000 })
    const poor = nextUser++
    const token = await t.token(poor)
    const broke = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: poor, items: [{ productId: p.id, quantity: 1 }] },
    })
    assert.equal(broke.json().code, 'INSUFFICIENT_POINTS')
    const later = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: poor, items: [{ productId: p.id, quantity: 1 }], payment: 'LATER' },
    })
    assert.equal(later.statusCode, 201, 'the refused order did not keep the unit in the gate')
    assert.equal((await (await buyer())(p.id)).json().code, 'INSUFFICIENT_STOCK')
    const cancel = await t.call('POST', `/api/v1/orders/${later.json().id}/cancel`, { token })
    assert.equal(cancel.statusCode, 200, cancel.body)
    assert.equal((await (await buyer())(p.id)).statusCode, 201, 'the cancelled unit is for sale again')
  })

  test('flushing Redis in the middle of a sale never oversells', async () => {
    const p = await t.createProduct({ stock: 10 })
    const buyers = await Promise.all(Array.from({ length: 60 }, () => buyer()))
    const flushes = (async () => {
      for (let i = 0; i < 5; i++) {
        await deleteKeys(redis().client, redis().key(''))
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    const answers = await Promise.all(buyers.map((buy) => buy(p.id)))
    await flushes
    assert.equal(answers.filter((r) => r.statusCode === 201).length, 10)
    assert.ok(answers.every((r) => r.statusCode === 201 || r.json().code === 'INSUFFICIENT_STOCK'))
    assert.equal((await t.call('GET', `/api/v1/products/${p.id}`)).json().stock, 0)
  })
})
