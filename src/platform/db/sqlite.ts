import fs from 'node:fs'
import path from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteAdapter, SqliteDialect } from 'kysely'
import { startCheckpointer } from './checkpointer.js'
import { type DatabaseHandle, type Db, migrateToLatest } from './connect.js'
import type { Database } from './schema.js'
import { useGroupCommit } from './transact.js'

/** Parses `sqlite:./path.db` or `sqlite::memory:` into a file name better-sqlite3 understands. */
function sqliteFileName(url: string): string {
  const rest = url.replace(/^sqlite:/, '')
  if (rest === ':memory:' || rest === '') return ':memory:'
  return path.resolve(rest.replace(/^\/\//, ''))
}

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares per query. Caching
 * statements by SQL text removes that cost from the hot path (the SQL set is small and fixed).
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql)
      if (!stmt) {
        stmt = sqlite.prepare(sql)
        if (cache.size < 1000) cache.set(sql, stmt)
      }
      return stmt
    },
  }
}

/**
 * The read connection runs each statement synchronously to completion in autocommit mode, so
 * Kysely's one-query-at-a-time mutex (needed on the write connection, where a batch transaction
 * spans many awaits) only adds queueing: this adapter tells Kysely not to take it.
 */
class ReadConnectionAdapter extends SqliteAdapter {
  override get supportsMultipleConnections() {
    return true
  }
}
class ReadConnectionDialect extends SqliteDialect {
  override createAdapter() {
    return new ReadConnectionAdapter()
  }
}

/** The embedded default: one SQLite file (or memory), group commit, a read connection. */
export function connectSqlite(url: string): DatabaseHandle {
  const file = sqliteFileName(url)
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true })
  const sqlite = new SqliteDatabase(file)
  // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes
  // (only an OS crash can lose the last transactions). busy_timeout covers a second process
  // (e.g. the migrate CLI) holding the write lock briefly.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  // Checkpoints run in a worker (checkpointer.ts); this is only the safety net (~80 MB of WAL).
  const checkpointer = file === ':memory:' ? undefined : startCheckpointer(file)
  if (checkpointer) sqlite.pragma('wal_autocheckpoint = 20000')
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: withStatementCache(sqlite) as unknown as SqliteDatabase.Database,
    }),
  })
  useGroupCommit(db)
  let reader: Db | undefined
  return {
    db,
    // In-memory databases are private to their connection: reads share the write connection there.
    get readDb() {
      if (file === ':memory:') return db
      reader ??= new Kysely<Database>({
        dialect: new ReadConnectionDialect({
          database: withStatementCache(
            new SqliteDatabase(file, { readonly: true }),
          ) as unknown as SqliteDatabase.Database,
        }),
      })
      return reader
    },
    dialect: 'sqlite',
    migrate: () => migrateToLatest(db),
    async close() {
      await reader?.destroy()
      await db.destroy()
      await checkpointer?.stop()
    },
  }
}
