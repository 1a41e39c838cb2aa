/**
 * What the database is asked for one request of each checkout kind: `npm run bench:statements`.
 * Each round trip to a server database costs the app server a wake-up of the database and, on a
 * shared core, the core itself while the database runs (docs/benchmarks.md, "Reading the proof").
 * Counted on the embedded default (SQLite) by wrapping better-sqlite3's statement calls, with
 * order batching off (one order, one transaction) and the outbox relay's own statements left out.
 * The transaction's control statements are counted too (on SQLite: begin, a savepoint per unit,
 * release, commit; on MariaDB: BEGIN and COMMIT).
 */
import SqliteDatabase from 'better-sqlite3'
import { startTestApp } from '../src/testing/harness.js'

let counting = false
let statements: string[] = []
const relay = /^(select \* from "outbox"|update "outbox")/
const statement = Object.getPrototypeOf(new SqliteDatabase(':memory:').prepare('select 1'))
for (const name of ['run', 'all', 'get', 'iterate']) {
  const original = statement[name]
  statement[name] = function (this: { source: string }, ...args: unknown[]) {
    if (counting && !relay.test(this.source)) statements.push(this.source.replace(/\s+/g, ' ').trim())
    return original.apply(this, args)
  }
}

const verbose = process.argv.includes('--verbose')
const t = await startTestApp({ ORDER_BATCHING: 'off' })
try {
  const product = await t.createProduct({ price: 1_000, stock: 100 })
  const userId = 100
  await t.charge(userId, 100_000)
  const token = await t.token(userId)
  const measure = async (what: string, request: () => Promise<{ statusCode: number }>) => {
    statements = []
    counting = true
    const res = await request()
    counting = false
    if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`${what}: ${res.statusCode}`)
    process.stdout.write(`${what.padEnd(32)} ${statements.length} statements\n`)
    if (verbose) for (const s of statements) process.stdout.write(`    ${s.slice(0, 100)}\n`)
  }
  const order = (payment: 'POINTS' | 'LATER', key: string) =>
    t.call('POST', '/api/v1/orders', {
      token,
      headers: { 'idempotency-key': key },
      body: { userId, items: [{ productId: product.id, quantity: 1 }], payment },
    })
  await measure('order paid with points', () => order('POINTS', 'k1'))
  let placed = 0
  await measure('order to pay later', async () => {
    const res = await order('LATER', 'k2')
    placed = res.json().id
    return res
  })
  await measure('payment of that order', () =>
    t.call('POST', `/api/v1/orders/${placed}/payment`, { token, headers: { 'idempotency-key': 'k3' } }),
  )
  await measure('cancel of that paid order', () =>
    t.call('POST', `/api/v1/orders/${placed}/cancel`, { token, headers: { 'idempotency-key': 'k4' } }),
  )
  await t.invariants()
} finally {
  await t.close()
}
