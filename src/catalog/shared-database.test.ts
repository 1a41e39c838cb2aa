import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRuntime } from '../runtime.js'
import { createTestDatabase, needsServerDatabase } from '../testing/backend.js'
import { testConfig } from '../testing/harness.js'

test(
  "one instance's stock change is seen at once by another instance sharing the database",
  needsServerDatabase,
  async () => {
    const database = await createTestDatabase()
    const config = testConfig(database.url)
    const a = await createRuntime(config, { background: false, defaultMetrics: false })
    const b = await createRuntime(config, { background: false, defaultMetrics: false })
    try {
      await a.db
        .insertInto('products')
        .values({ name: 'shared', price: 1, stock: 5, stock_added: 5, created_at: 0, updated_at: 0 })
        .execute()
      const stockAt = async (rt: typeof a) =>
        (await rt.app.inject({ method: 'GET', url: '/api/v1/products/1' })).json().stock
      assert.equal(await stockAt(b), 5)
      await a.db.updateTable('products').set({ stock: 2 }).where('id', '=', 1).execute()
      assert.equal(await stockAt(b), 2, 'instance b must not serve its own cached copy')
    } finally {
      await a.close()
      await b.close()
      await database.drop()
    }
  },
)
