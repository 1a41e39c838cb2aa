import { sql } from 'kysely'
import type { Db } from './connect.js'

/**
 * Group commit for a single-connection database (SQLite): transactions that arrive while one is
 * committing are run together in the next database transaction, each inside its own SAVEPOINT.
 * A unit that throws is rolled back to its savepoint alone; the others commit together, and
 * nobody hears "done" before the commit. The commit (WAL page writes) is paid once per batch
 * instead of once per order (hot-product numbers before and after in docs/benchmarks.md).
 */
export class GroupCommit {
  private queue: {
    fn: (trx: Db) => Promise<unknown>
    resolve: (v: unknown) => void
    reject: (e: unknown) => void
  }[] = []
  private running = false

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 64,
  ) {}

  run<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject })
      if (!this.running) {
        // Start after the event loop's I/O phase: every request read in this round of the loop
        // reaches its unit first and joins the batch (a microtask would start a batch of one).
        this.running = true
        setImmediate(() => void this.drain())
      }
    })
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch)
        const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = []
        try {
          await this.db.transaction().execute(async (trx) => {
            for (const unit of batch) {
              await sql`savepoint unit`.execute(trx)
              try {
                outcomes.push({ ok: true, value: await unit.fn(trx) })
                await sql`release unit`.execute(trx)
              } catch (error) {
                await sql`rollback to unit`.execute(trx)
                await sql`release unit`.execute(trx)
                outcomes.push({ ok: false, error })
              }
            }
          })
        } catch (commitError) {
          // The batch did not commit: nothing of it happened, so every unit fails.
          for (const unit of batch) unit.reject(commitError)
          continue
        }
        batch.forEach((unit, i) => {
          const outcome = outcomes[i]!
          if (outcome.ok) unit.resolve(outcome.value)
          else unit.reject(outcome.error)
        })
      }
    } finally {
      this.running = false
    }
  }
}

const runners = new WeakMap<Db, GroupCommit>()

/** Makes `transact` on this database use group commit (called by connectDatabase for SQLite). */
export function useGroupCommit(db: Db): void {
  runners.set(db, new GroupCommit(db))
}

/**
 * Runs `fn` as one atomic unit: all its writes commit or none do. Use cases call this instead of
 * `db.transaction()` so that the database decides how units are committed (grouped on SQLite, one
 * transaction each on a server database). Never call it from inside another unit.
 */
export function transact<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  const runner = runners.get(db)
  return runner ? runner.run(fn) : db.transaction().execute(fn)
}
