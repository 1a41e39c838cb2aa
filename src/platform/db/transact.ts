import { sql } from 'kysely'
import type { Db } from './connect.js'
import { isDeadlock } from './errors.js'

/**
 * Group commit for a single-connection database (SQLite): transactions that arrive while one is
 * committing are run together in the next database transaction, each inside its own SAVEPOINT.
 * A unit that throws is rolled back to its savepoint alone; the others commit together, and
 * nobody hears "done" before the commit. The commit (WAL page writes) is paid once per batch
 * instead of once per order (hot-product numbers before and after in docs/benchmarks.md).
 */
/** What a unit of work can ask of the transaction it runs in. */
export interface Unit {
  /** The database the unit commits to (keys per-database state such as caches). */
  root: Db
  /**
   * Runs `fn` once the unit's writes are committed (never if they roll back). A promise it returns
   * is awaited before the caller hears "done" (a shared cache is invalidated before the client can
   * read again); it must not reject: a hook reports its own failures.
   */
  afterCommit(fn: () => void | Promise<void>): void
}

export type UnitFn<T> = (trx: Db, unit: Unit) => Promise<T>

function newUnit(root: Db) {
  const hooks: (() => void | Promise<void>)[] = []
  const unit: Unit = { root, afterCommit: (fn) => void hooks.push(fn) }
  const committed = (): Promise<unknown> | undefined => {
    const pending: Promise<void>[] = []
    for (const hook of hooks) {
      const result = hook()
      if (result) pending.push(result)
    }
    return pending.length > 0 ? Promise.all(pending) : undefined
  }
  return { unit, committed }
}

export class GroupCommit {
  private queue: {
    fn: UnitFn<unknown>
    resolve: (v: unknown) => void
    reject: (e: unknown) => void
  }[] = []
  private running = false

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 64,
  ) {}

  run<T>(fn: UnitFn<T>): Promise<T> {
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
        const units = batch.map(() => newUnit(this.db))
        try {
          await this.immediateTransaction(async (trx) => {
            for (const [i, unit] of batch.entries()) {
              await sql`savepoint unit`.execute(trx)
              try {
                outcomes.push({ ok: true, value: await unit.fn(trx, units[i]!.unit) })
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
          if (!outcome.ok) {
            unit.reject(outcome.error)
            return
          }
          const after = units[i]!.committed()
          if (after) after.then(() => unit.resolve(outcome.value), unit.reject)
          else unit.resolve(outcome.value)
        })
      }
    } finally {
      this.running = false
    }
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
   * writes fails at once with SQLITE_BUSY when another process (a `--workers` sibling, the migrate
   * CLI) wrote in between; an immediate one waits its turn under busy_timeout instead. Alone, the
   * lock is free and costs nothing.
   */
  private immediateTransaction(fn: (trx: Db) => Promise<void>): Promise<void> {
    return this.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        await fn(conn)
        await sql`commit`.execute(conn)
      } catch (error) {
        // A failed COMMIT (a deferred constraint) leaves the transaction open: end it here.
        await sql`rollback`.execute(conn).catch(() => {})
        throw error
      }
    })
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
export async function transact<T>(db: Db, fn: UnitFn<T>): Promise<T> {
  const runner = runners.get(db)
  if (runner) return runner.run(fn)
  // A server database may pick this unit as a deadlock victim: it rolled back whole, so run it again.
  for (let attempt = 1; ; attempt++) {
    const { unit, committed } = newUnit(db)
    try {
      const result = await db.transaction().execute((trx) => fn(trx, unit))
      await committed()
      return result
    } catch (error) {
      if (attempt >= 3 || !isDeadlock(error)) throw error
    }
  }
}
