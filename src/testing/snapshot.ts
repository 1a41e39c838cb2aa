import { sql } from 'kysely'
import type { Db } from '../platform/db/index.js'

/** Each table with its key, so snapshots are ordered the same on every database. */
const KEYS = {
  users: 'id',
  products: 'id',
  point_wallets: 'user_id',
  point_transactions: 'id',
  coupons: 'id',
  user_coupons: 'id',
  orders: 'id',
  order_items: 'id',
  outbox: 'id',
  idempotency_keys: 'user_id, scope, idem_key',
} as const
const TABLES = Object.keys(KEYS) as (keyof typeof KEYS)[]

export type Snapshot = Record<keyof typeof KEYS, unknown[]>

/** Every row of every table, in insertion order: a refused request must leave all of it as it was. */
export async function snapshot(db: Db): Promise<Snapshot> {
  const out: Partial<Snapshot> = {}
  for (const table of TABLES) {
    out[table] = (
      await sql`select * from ${sql.table(table)} order by ${sql.raw(KEYS[table])}`.execute(db)
    ).rows
  }
  return out as Snapshot
}

/** Puts a snapshot back, so that one failing test cannot change what the next ones see. */
export async function restore(db: Db, snap: Snapshot): Promise<void> {
  for (const table of TABLES) {
    await sql`delete from ${sql.table(table)}`.execute(db)
    for (const row of snap[table])
      await db
        .insertInto(table)
        .values(row as never)
        .execute()
  }
}

/** The relay claims and marks events in the background: that is bookkeeping, not a change. */
const comparable = (snap: Snapshot, table: keyof typeof KEYS) =>
  JSON.stringify(
    table === 'outbox'
      ? snap.outbox.map((row) => ({
          ...(row as object),
          published_at: null,
          claimed_by: null,
          claimed_until: null,
        }))
      : snap[table],
  )

/** Runs `act` and reports whether it changed the database, undoing any change it made. */
export async function unchanged<T>(db: Db, act: () => Promise<T>): Promise<{ result: T; changed: string[] }> {
  const before = await snapshot(db)
  const result = await act()
  const after = await snapshot(db)
  const changed = TABLES.filter((table) => comparable(after, table) !== comparable(before, table))
  if (changed.length > 0) await restore(db, before)
  return { result, changed }
}
