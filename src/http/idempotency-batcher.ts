import { sql } from 'kysely'
import { type Db, isDeadlock } from '../platform/db/index.js'
import { Combiner } from '../platform/tasks/index.js'
import type { Claim, StoredAnswer } from './idempotency-store.js'

/**
 * Writes idempotency keys on a server database in batches: the claims that arrive in one turn of
 * the event loop are inserted by one statement, and so are the answers. Each key write is its own
 * small transaction, and a checkout makes two of them (the claim before the order, the answer
 * after it) besides the order's own: 17 % of the statements of a sale (docs/benchmarks.md,
 * "Idempotency keys, written in batches").
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
      return writeClaims(db, batch)
    }, COMBINING)
    this.answers = new Combiner(async (batch) => {
      count(batch.length)
      await writeAnswers(db, batch)
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

async function writeClaims(db: Db, claims: Claim[]): Promise<boolean[]> {
  const result = await db.insertInto('idempotency_keys').ignore().values(claims).executeTakeFirst()
  // The usual case: every key was new. Otherwise the rows say whose token holds each key.
  if (Number(result.numInsertedOrUpdatedRows) === claims.length) return claims.map(() => true)
  const holders = await db
    .selectFrom('idempotency_keys')
    .select('claim_token')
    .where((eb) =>
      eb.or(claims.map((c) => eb.and({ user_id: c.user_id, scope: c.scope, idem_key: c.idem_key }))),
    )
    .execute()
  const held = new Set(holders.map((h) => h.claim_token))
  return claims.map((c) => held.has(c.claim_token))
}

async function writeAnswers(db: Db, done: { claim: Claim; answer: StoredAnswer }[]): Promise<void> {
  const byToken = (value: (answer: StoredAnswer) => string | number) =>
    sql<never>`case claim_token ${sql.join(
      done.map(({ claim, answer }) => sql`when ${claim.claim_token} then ${value(answer)}`),
      sql` `,
    )} end`
  await db
    .updateTable('idempotency_keys')
    .set({
      state: 'DONE',
      status_code: byToken((a) => a.status),
      content_type: byToken((a) => a.contentType),
      response_body: byToken((a) => a.body),
    })
    .where((eb) =>
      eb.or(
        done.map(({ claim: c }) =>
          eb.and({ user_id: c.user_id, scope: c.scope, idem_key: c.idem_key, claim_token: c.claim_token }),
        ),
      ),
    )
    .execute()
}

/** Writes in flight per kind, as for orders (`Combiner`): a turn's keys then share one statement. */
const COMBINING = { maxBatch: 100, maxConcurrent: 2, retryable: isDeadlock }

const batchers = new WeakMap<Db, KeyBatcher>()

/** Lets the idempotency store batch its key writes on this (server) database; the composition root decides. */
export function useKeyBatching(db: Db): void {
  batchers.set(db, new KeyBatcher(db))
}

export const keyBatcherFor = (db: Db): KeyBatcher | undefined => batchers.get(db)
