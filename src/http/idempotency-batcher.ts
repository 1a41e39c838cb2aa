import { type Db, isDeadlock } from '../platform/db/index.js'
import { Combiner } from '../platform/tasks/index.js'
import { answerKeys, type Claim, claimKeys, type StoredAnswer } from './idempotency-store.js'

/**
 * Writes idempotency keys on a server database in batches: the claims that arrive in one turn of
 * the event loop are inserted by one statement, and so are the answers. Each key write is its own
 * small transaction, and a keyed POST that claims first makes two of them (the claim before the
 * handler, the answer after it); before checkout wrote its key inside its own transaction
 * (idempotency.ts, `once`) these were 17 % of the statements of a sale (docs/benchmarks.md,
 * "Idempotency keys, written in batches"). Checkout and points charge no longer come here.
 *
 * What each request learns is the same as alone: a claim is won by the request whose token the
 * row holds (`INSERT IGNORE` keeps the first of any duplicates, also within one batch), and an
 * answer is stored only under a claim its request still holds.
 */
export class KeyBatcher {
  /** Batches written since start, and the key writes they carried. */
  readonly stats = { batches: 0, writes: 0 }
  private readonly claims: Combiner<Claim, boolean>
  private readonly answers: Combiner<{ claim: Claim; answer: StoredAnswer }, void>

  constructor(db: Db) {
    const count = (n: number) => {
      this.stats.batches++
      this.stats.writes += n
    }
    // A statement that lost a deadlock wrote nothing (it is atomic) and is run again.
    this.claims = new Combiner(async (batch) => {
      count(batch.length)
      return claimKeys(db, batch)
    }, COMBINING)
    this.answers = new Combiner(async (batch) => {
      count(batch.length)
      await answerKeys(db, batch)
      return batch.map(() => undefined)
    }, COMBINING)
  }

  /** True when this claim now holds the key, false when someone else's claim does. */
  claim(claim: Claim): Promise<boolean> {
    return this.claims.add(claim)
  }

  complete(claim: Claim, answer: StoredAnswer): Promise<void> {
    return this.answers.add({ claim, answer })
  }
}

/** Writes in flight per kind, as for orders (`Combiner`): a turn's keys then share one statement. */
const COMBINING = { maxBatch: 100, maxConcurrent: 2, retryable: isDeadlock }

const batchers = new WeakMap<Db, KeyBatcher>()

/** Lets the idempotency store batch its key writes on this (server) database; the composition root decides. */
export function useKeyBatching(db: Db): void {
  batchers.set(db, new KeyBatcher(db))
}

export const keyBatcherFor = (db: Db): KeyBatcher | undefined => batchers.get(db)
