import { Kysely, MysqlDialect, type MysqlPool, type MysqlPoolConnection } from 'kysely'
import { createPool, type Pool, type PoolConnection } from 'mysql2'
import { type DatabaseHandle, migrateToLatest } from './connect.js'
import type { Database } from './schema.js'

export interface PoolOptions {
  /** Connections in the pool. */
  size: number
  /** A request waiting longer than this for a connection fails fast (503) instead of queueing on. */
  acquireTimeoutMs: number
  /** A statement running longer than this is cancelled by the server. */
  statementTimeoutMs: number
  /** Told of every wait for a connection and every hold of one (metrics). */
  observer?: PoolObserver
}

/** What the pool reports: how long callers waited for a connection, and how long they held it. */
export interface PoolObserver {
  waited(seconds: number, outcome: 'acquired' | 'timeout'): void
  held(seconds: number): void
  /** Connections lent out and callers waiting, at this moment. */
  gauge(read: () => { size: number; inUse: number; waiting: number }): void
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
    dialect: new MysqlDialect({ pool: withAcquireTimeout(mysqlPool, pool) }),
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
 * longer than any client does. This wrapper fails a wait after `acquireTimeoutMs` with
 * `POOL_ACQUIRE_TIMEOUT` (answered as 503 DATABASE_UNAVAILABLE), hands a connection that arrives
 * too late straight back, and reports waits and holds to the observer (Little's law needs the
 * hold time: connections in use = throughput × hold). Exported for its tests.
 */
export function withAcquireTimeout(pool: Pool, opts: PoolOptions): MysqlPool {
  const { acquireTimeoutMs, observer } = opts
  let inUse = 0
  let waiting = 0
  observer?.gauge(() => ({ size: opts.size, inUse, waiting }))
  /**
   * When each connection was lent out (undefined: it is back). Its `release` is wrapped once, the
   * first time it is lent: wrapping it on every loan nested one more bound function per loan, and
   * a release then walked them all (61 µs a loan over a connection's first 10,000 loans, 622 µs
   * over loans 50,001-60,000: a server slowed down the longer a sale ran; `npm run bench:pool`,
   * docs/benchmarks.md).
   */
  const lentAt = new WeakMap<PoolConnection, number | undefined>()
  const lend = (connection: PoolConnection, obs: PoolObserver) => {
    if (!lentAt.has(connection)) {
      const release = connection.release.bind(connection)
      connection.release = () => {
        const since = lentAt.get(connection)
        if (since !== undefined) {
          lentAt.set(connection, undefined)
          inUse--
          obs.held((performance.now() - since) / 1000)
        }
        release()
      }
    }
    lentAt.set(connection, performance.now())
    inUse++
  }
  return {
    getConnection(callback) {
      let done = false
      const asked = performance.now()
      waiting++
      const timer = setTimeout(() => {
        done = true
        waiting--
        observer?.waited((performance.now() - asked) / 1000, 'timeout')
        const error = Object.assign(new Error(`no database connection free within ${acquireTimeoutMs} ms`), {
          code: 'POOL_ACQUIRE_TIMEOUT',
        })
        callback(error, undefined as unknown as MysqlPoolConnection)
      }, acquireTimeoutMs)
      pool.getConnection((error, connection) => {
        if (done) {
          connection?.release()
          return
        }
        done = true
        waiting--
        clearTimeout(timer)
        if (error || !observer) {
          callback(error, connection as unknown as MysqlPoolConnection)
          return
        }
        observer.waited((performance.now() - asked) / 1000, 'acquired')
        lend(connection, observer)
        callback(null, connection as unknown as MysqlPoolConnection)
      })
    },
    end: (callback) => pool.end(callback),
  }
}
