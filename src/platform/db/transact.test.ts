import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import type { Db } from './connect.js'
import { GroupCommit } from './transact.js'

function memoryDb() {
  const statements: string[] = []
  const db = new Kysely<{ t: { v: number } }>({
    dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }),
    log: (event) => {
      if (event.level === 'query') statements.push(event.query.sql)
    },
  }) as unknown as Db
  return { db, statements }
}

const values = async (db: Db) =>
  (await sql<{ v: number }>`select v from t order by v`.execute(db)).rows.map((r) => r.v)

describe('group commit', () => {
  test('units that arrive together commit in one transaction; a failing unit rolls back alone', async () => {
    const { db, statements } = memoryDb()
    await sql`create table t (v integer)`.execute(db)
    const group = new GroupCommit(db)
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        group.run(async (trx) => {
          await sql`insert into t (v) values (${i})`.execute(trx)
          if (i === 4) throw new Error('unit 4 refuses')
          return i * 10
        }),
      ),
    )
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
      [0, 10, 20, 30, 'unit 4 refuses', 50, 60, 70, 80, 90],
    )
    assert.deepEqual(await values(db), [0, 1, 2, 3, 5, 6, 7, 8, 9])
    assert.ok(
      statements.filter((s) => s === 'begin').length <= 2,
      `${statements.filter((s) => s === 'begin').length} transactions`,
    )
    await db.destroy()
  })

  test('a later unit sees what an earlier unit of the same batch wrote (serial order)', async () => {
    const { db } = memoryDb()
    await sql`create table t (v integer)`.execute(db)
    const group = new GroupCommit(db)
    const [, seen] = await Promise.all([
      group.run((trx) => sql`insert into t (v) values (1)`.execute(trx)),
      group.run(
        async (trx) => (await sql<{ n: number }>`select count(*) as n from t`.execute(trx)).rows[0]!.n,
      ),
    ])
    assert.equal(seen, 1)
    await db.destroy()
  })

  test('when the batch cannot commit, every unit in it fails and nothing is written', async () => {
    const { db } = memoryDb()
    await sql`create table t (v integer)`.execute(db)
    // A deferred constraint fails only at COMMIT, after every unit succeeded.
    await sql`create table guard (x integer references t(v) deferrable initially deferred)`.execute(db)
    await sql`pragma foreign_keys = on`.execute(db)
    await sql`create unique index t_v on t (v)`.execute(db)
    const group = new GroupCommit(db)
    const outcomes = await Promise.allSettled([
      group.run((trx) => sql`insert into t (v) values (1)`.execute(trx)),
      group.run((trx) => sql`insert into guard (x) values (99)`.execute(trx)),
    ])
    assert.ok(outcomes.every((o) => o.status === 'rejected'))
    assert.deepEqual(await values(db), [])
    await db.destroy()
  })
})
