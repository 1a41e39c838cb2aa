import { Kysely, MysqlDialect, type MysqlPool, type MysqlPoolConnection } from 'kysely'
import { createPool, type Pool } from 'mysql2'
import { type DatabaseHandle, migrateToLatest } from './connect.js'
import type { Database } from './schema.js'

export interface PoolOptions {
  /** Connections in the pool. */
  size: number
  /** A request waiting longer than this for a connection fails fast (503) instead of queueing on. */
  acquireTimeoutMs: number
  /** A statement running longer than this is cancelled by the server. */
  statementTimeoutMs: number
}

export const DEFAULT_POOL: PoolOptions = { size: 10, acquireTimeoutMs: 1_000, statementTimeoutMs: 5_000 }

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
  const db = new Kysely<Database>({
    dialect: new MysqlDialect({ pool: withAcquireTimeout(mysqlPool, pool.acquireTimeoutMs) }),
  })
  return {
    db,
    readDb: db,
    dialect: 'mysql',
    migrate: () => migrateToLatest(db),
    close: () => db.destroy(),
  }
}

/**
 * mysql2's pool queues callers without a deadline; a surge would then pile up requests that wait
 * longer than any client does. This wrapper fails a wait after `timeoutMs` with
 * `POOL_ACQUIRE_TIMEOUT` (answered as 503 DATABASE_UNAVAILABLE) and hands a connection that
 * arrives too late straight back.
 */
function withAcquireTimeout(pool: Pool, timeoutMs: number): MysqlPool {
  return {
    getConnection(callback) {
      let done = false
      const timer = setTimeout(() => {
        done = true
        const error = Object.assign(new Error(`no database connection free within ${timeoutMs} ms`), {
          code: 'POOL_ACQUIRE_TIMEOUT',
        })
        callback(error, undefined as unknown as MysqlPoolConnection)
      }, timeoutMs)
      pool.getConnection((error, connection) => {
        if (done) {
          connection?.release()
          return
        }
        done = true
        clearTimeout(timer)
        callback(error, connection as unknown as MysqlPoolConnection)
      })
    },
    end: (callback) => pool.end(callback),
  }
}
