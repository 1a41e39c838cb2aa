import { Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { type DatabaseHandle, migrateToLatest } from './connect.js'
import type { Database } from './schema.js'

export interface PoolOptions {
  /** Connections in the pool. */
  size: number
  /** A statement running longer than this is cancelled by the server. */
  statementTimeoutMs: number
}

export const DEFAULT_POOL: PoolOptions = { size: 10, statementTimeoutMs: 5_000 }

/**
 * MySQL 8 / MariaDB 10.11+: a connection pool, the same migrations and queries as SQLite. BIGINT
 * columns come back as numbers (every value we store is far below 2^53); SUM() of integers comes
 * back as a decimal string and is converted where read.
 */
export function connectMysql(url: string, pool: PoolOptions = DEFAULT_POOL): DatabaseHandle {
  const mysqlPool = createPool({
    uri: url.replace(/^mariadb:/, 'mysql:'),
    connectionLimit: pool.size,
    supportBigNumbers: true,
    bigNumberStrings: false,
    timezone: 'Z',
  })
  // A runaway statement is cut off by the server (MariaDB's and MySQL's spellings; one of them fails).
  mysqlPool.on('connection', (connection) => {
    connection.query(`SET SESSION max_statement_time = ${pool.statementTimeoutMs / 1000}`, () => {})
    connection.query(`SET SESSION max_execution_time = ${pool.statementTimeoutMs}`, () => {})
  })
  const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool: mysqlPool }) })
  return {
    db,
    readDb: db,
    dialect: 'mysql',
    migrate: () => migrateToLatest(db),
    close: () => db.destroy(),
  }
}
