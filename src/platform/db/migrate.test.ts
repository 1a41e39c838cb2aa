import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { createTestDatabase, needsServerDatabase } from '../../testing/backend.js'
import { connectDatabase } from './connect.js'
import { migrations } from './migrations/index.js'

test(
  'three instances migrating one new database at once all start, and the schema is created once',
  needsServerDatabase,
  async () => {
    const database = await createTestDatabase()
    const handles = [1, 2, 3].map(() => connectDatabase(database.url))
    try {
      await Promise.all(handles.map((h) => h.migrate()))
      const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        handles[0]!.db,
      )
      assert.deepEqual(
        rows.map((r) => r.name),
        Object.keys(migrations),
        'every migration applied exactly once',
      )
    } finally {
      for (const h of handles) await h.close()
      await database.drop()
    }
  },
)
