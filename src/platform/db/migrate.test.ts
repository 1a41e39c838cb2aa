import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { createTestDatabase, testBackend } from '../../testing/backend.js'
import { connectDatabase } from './connect.js'

const onlyShared =
  testBackend === 'mysql' ? {} : { skip: 'needs a server database: runs in npm run test:mysql' }

test(
  'three instances migrating one new database at once all start, and the schema is created once',
  onlyShared,
  async () => {
    const database = await createTestDatabase()
    const handles = [1, 2, 3].map(() => connectDatabase(database.url))
    try {
      await Promise.all(handles.map((h) => h.migrate()))
      const { rows } = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(
        handles[0]!.db,
      )
      assert.equal(Number(rows[0]!.n), 1)
    } finally {
      for (const h of handles) await h.close()
      await database.drop()
    }
  },
)
