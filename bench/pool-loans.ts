/**
 * What lending a MySQL connection costs as a server ages: `npm run bench:pool`. One connection,
 * lent and given back through the pool wrapper (src/platform/db/mysql.ts) in rounds of 10,000
 * loans without a statement; the cost of a loan must not grow with the loans before it (it did,
 * when each loan wrapped the connection's `release` again). Needs MariaDB or MySQL
 * (`BENCH_MYSQL_URL`, default mysql://root@127.0.0.1:3306).
 */
import { connectMysql } from '../src/platform/db/mysql.js'
import { MYSQL_URL } from './lib/fleet.js'

const url = `${MYSQL_URL.replace(/\/$/, '')}/mysql`
const handle = connectMysql(url, {
  size: 1,
  acquireTimeoutMs: 1_000,
  statementTimeoutMs: 5_000,
  observer: { waited: () => {}, held: () => {}, gauge: () => {} },
})
const N = 10_000
try {
  for (let round = 1; round <= 6; round++) {
    const started = performance.now()
    for (let i = 0; i < N; i++) await handle.db.connection().execute(async () => {})
    const perLoan = ((performance.now() - started) / N) * 1000
    console.log(`loans ${(round - 1) * N + 1}-${round * N}: ${perLoan.toFixed(1)} µs per loan`)
  }
} finally {
  await handle.close()
}
