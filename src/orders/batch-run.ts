import { type Db, isDeadlock, transact, type Unit } from '../platform/db/index.js'

/**
 * A batch gave up before committing (a row moved since its snapshot, a lost connection): nothing
 * of it happened, so every item goes the single path. An error at or after COMMIT is not wrapped:
 * the batch may have committed, and writing its items again would write them twice, so those
 * callers get the error.
 */
export class HandBack extends Error {}

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
