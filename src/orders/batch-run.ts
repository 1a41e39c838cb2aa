import { sql } from 'kysely'
import {
  claimReceipts,
  type Db,
  isDeadlock,
  type Receipt,
  transact,
  type Unit,
} from '../platform/db/index.js'

/**
 * A batch gave up before committing (a row moved since its snapshot, a lost connection): nothing
 * of it happened, so every item goes the single path. An error at or after COMMIT is not wrapped:
 * the batch may have committed, and writing its items again would write them twice, so those
 * callers get the error.
 */
export class HandBack extends Error {}

/**
 * Up to 64 items per transaction, and two transactions in flight per instance. Batches of a hot
 * product queue for its row lock anyway; more of them only wait inside the database (burning its
 * CPU on lock waits) while later items could have joined a bigger batch. Measured side by side
 * (npm run bench:production, docs/benchmarks.md): with 4 in flight, pool size decided throughput
 * (pool 4: 3,130/s, pool 24: 1,775/s); with 2, every pool size gave 2,000-2,140/s on a busier
 * machine, so the pool no longer has to be tuned for the sale.
 */
export const batchLimits = { maxBatch: 64, maxConcurrent: 2 } as const

/** Counts since start: transactions run, items they wrote, items handed back to the single path. */
export interface BatchStats {
  batches: number
  placed: number
  handedBack: number
}

/**
 * Runs one batch in one transaction. `undefined` for an item means the batch left it to the single
 * path (which answers with the exact error); a batch that gives up before COMMIT leaves them all.
 * A deadlock victim is rolled back whole and `transact` runs the batch again (up to 3 times).
 */
export async function runBatch<T, R>(
  db: Db,
  stats: BatchStats,
  batch: T[],
  write: (trx: Db, unit: Unit, batch: T[]) => Promise<(R | undefined)[]>,
): Promise<(R | undefined)[]> {
  try {
    const written = await transact(db, (trx, unit) =>
      write(trx, unit, batch).catch((error) => {
        if (error instanceof HandBack || isDeadlock(error)) throw error
        throw new HandBack(String(error), { cause: error })
      }),
    )
    stats.batches++
    for (const item of written) {
      if (item) stats.placed++
      else stats.handedBack++
    }
    return written
  } catch (error) {
    if (!(error instanceof HandBack || isDeadlock(error))) throw error
    stats.handedBack += batch.length
    return batch.map(() => undefined)
  }
}

/**
 * Claims the receipts (idempotency keys) of a batch's keyed items in one statement. Returns the
 * items whose key another request holds: they waited for it here, and go the single path, which
 * answers them as that request was answered.
 */
export async function claimBatchReceipts<T extends { receipt: Receipt<never> | undefined }>(
  trx: Db,
  batch: T[],
): Promise<Set<T>> {
  const keyed = batch.filter((p) => p.receipt)
  if (keyed.length === 0) return new Set()
  const held = await claimReceipts(
    trx,
    keyed.map((p) => p.receipt!),
  )
  return new Set(keyed.filter((_, i) => !held[i]))
}

/** Locks the wallets of these users (`FOR UPDATE`, in id order, like the single path): balance by user. */
export async function lockWallets(trx: Db, userIds: number[]): Promise<Map<number, number>> {
  const ids = [...new Set(userIds)].sort((a, b) => a - b)
  if (ids.length === 0) return new Map()
  const { rows } = await sql<{ user_id: number; balance: number }>`
    select user_id, balance from point_wallets where user_id in (${sql.join(ids)})
    order by user_id for update`.execute(trx)
  return new Map(rows.map((w) => [Number(w.user_id), Number(w.balance)]))
}

/** Writes the decided balances of these (locked) wallets in one statement. */
export async function setBalances(trx: Db, balance: Map<number, number>, userIds: number[], now: number) {
  const ids = [...new Set(userIds)]
  if (ids.length === 0) return
  const cases = sql.join(
    ids.map((u) => sql`when ${u} then ${balance.get(u)!}`),
    sql` `,
  )
  await sql`update point_wallets set balance = case user_id ${cases} end, updated_at = ${now}
    where user_id in (${sql.join(ids)})`.execute(trx)
}
