import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../config/index.js'
import { createRuntime } from '../runtime.js'
import { createTestDatabase, testBackend } from '../testing/backend.js'
import { TEST_SECRET } from '../testing/harness.js'

// Two instances can only share a server database; the SQLite run has nothing to share.
const onlyShared =
  testBackend === 'mysql' ? {} : { skip: 'needs a shared database: runs in npm run test:mysql' }

test(
  "one instance's stock change is seen at once by another instance sharing the database",
  onlyShared,
  async () => {
    const database = await createTestDatabase()
    const config = loadConfig({
      DATABASE_URL: database.url,
      SEED: 'none',
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'silent',
    })
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
