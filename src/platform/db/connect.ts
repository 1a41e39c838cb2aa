import type { Kysely } from 'kysely'
import { Migrator } from 'kysely/migration'
import { migrationProvider } from './migrations/index.js'
import { connectMysql, type PoolOptions } from './mysql.js'
import type { Database } from './schema.js'
import { connectSqlite } from './sqlite.js'

export type Db = Kysely<Database>

export interface DatabaseHandle {
  db: Db
  /**
   * For reads outside transactions: on SQLite a second, read-only connection that sees the last
   * committed state and never waits behind a write batch (browsing does not queue behind
   * checkout). Never start a transaction on it.
   */
  readDb: Db
  dialect: 'sqlite' | 'mysql'
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>
  close(): Promise<void>
}

export type { PoolObserver, PoolOptions } from './mysql.js'

/** Opens the database named by `DATABASE_URL`: `sqlite:…` (embedded) or `mysql://…` / `mariadb://…`. */
export function connectDatabase(url: string, pool?: PoolOptions): DatabaseHandle {
  return /^(mysql|mariadb):\/\//.test(url) ? connectMysql(url, pool) : connectSqlite(url)
}

/** Applies pending migrations (Kysely takes a lock first on MySQL, so concurrent starts are safe). */
export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider })
  const { error, results } = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`)
  }
}
