import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { createPool, type PoolConnection } from 'mysql2'
import { createTestDatabase, needsServerDatabase, type TestDatabase } from '../../testing/backend.js'
import { connectDatabase, type DatabaseHandle } from './index.js'
import { withAcquireTimeout } from './mysql.js'

describe('the MySQL pool', needsServerDatabase, () => {
  let database: TestDatabase
  let handle: DatabaseHandle
  const seen = { waits: [] as string[], holds: 0, state: undefined as (() => object) | undefined }
  before(async () => {
    database = await createTestDatabase()
    handle = connectDatabase(database.url, {
      size: 1,
      acquireTimeoutMs: 100,
      statementTimeoutMs: 5_000,
      observer: {
        waited: (_s, outcome) => seen.waits.push(outcome),
        held: () => seen.holds++,
        gauge: (read) => {
          seen.state = read
        },
      },
    })
  })
  after(async () => {
    await handle.close()
    await database.drop()
  })

  test('a caller that cannot get a connection in time fails fast with POOL_ACQUIRE_TIMEOUT', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    // The only connection is busy in a transaction until released.
    const busy = handle.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx)
      await held
    })
    while (!seen.waits.includes('acquired')) await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(seen.state?.(), { size: 1, inUse: 1, waiting: 0 })
    await assert.rejects(
      sql`select 1`.execute(handle.db),
      (error: { code?: string }) => error.code === 'POOL_ACQUIRE_TIMEOUT',
    )
    assert.ok(seen.waits.includes('timeout'))
    release()
    await busy
    // The pool recovers: the connection came back and serves the next caller.
    await sql`select 1`.execute(handle.db)
    assert.ok(seen.holds >= 2)
    assert.deepEqual(seen.state?.(), { size: 1, inUse: 0, waiting: 0 })
  })

  test('a connection lent 1,000 times keeps one release, and each loan is counted once', async () => {
    const pool = createPool({ uri: database.url.replace(/^mariadb:/, 'mysql:'), connectionLimit: 1 })
    let holds = 0
    let state!: () => object
    const wrapped = withAcquireTimeout(pool, {
      size: 1,
      acquireTimeoutMs: 1_000,
      statementTimeoutMs: 5_000,
      observer: {
        waited: () => {},
        held: () => holds++,
        gauge: (read) => {
          state = read
        },
      },
    })
    const lend = () =>
      new Promise<PoolConnection>((resolve, reject) =>
        wrapped.getConnection((error, connection) =>
          error ? reject(error) : resolve(connection as unknown as PoolConnection),
        ),
      )
    try {
      // A wrapper per loan nested one bound function more each time, and release walked them all.
      const releases = new Set<unknown>()
      for (let i = 0; i < 1_000; i++) {
        const connection = await lend()
        assert.deepEqual(state(), { size: 1, inUse: 1, waiting: 0 })
        releases.add(connection.release)
        connection.release()
        connection.release()
      }
      assert.equal(releases.size, 1)
      assert.equal(holds, 1_000)
      assert.deepEqual(state(), { size: 1, inUse: 0, waiting: 0 })
    } finally {
      await new Promise((resolve) => pool.end(resolve))
    }
  })
})
