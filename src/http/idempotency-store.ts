import { type ExpressionBuilder, sql } from 'kysely'
import type { Database, Db, IdempotencyKeysTable, Receipt, ReceiptBook } from '../platform/db/index.js'
import { isUniqueViolation } from '../platform/db/index.js'
import { keyBatcherFor } from './idempotency-batcher.js'

/** One key: scoped to the caller and the request path. */
export interface KeyId {
  user_id: number
  scope: string
  idem_key: string
}

/** A claim of a key: the key, the request's hash and times, and the token of the request holding it. */
export type Claim = IdempotencyKeysTable & { claim_token: string }

/** The answer stored under a completed key and replayed to repeats. */
export interface StoredAnswer {
  status: number
  contentType: string
  body: string
}

const byId =
  ({ user_id, scope, idem_key }: KeyId) =>
  (eb: ExpressionBuilder<Database, 'idempotency_keys'>) =>
    eb.and({ user_id, scope, idem_key })

/** Claims a fresh key. Returns false when the key already exists (someone claimed it first). */
export async function claimKey(db: Db, claim: Claim): Promise<boolean> {
  const batcher = keyBatcherFor(db)
  if (batcher) return batcher.claim(claim)
  try {
    await db.insertInto('idempotency_keys').values(claim).execute()
    return true
  } catch (error) {
    if (isUniqueViolation(error)) return false
    throw error
  }
}

export function findKey(db: Db, id: KeyId): Promise<IdempotencyKeysTable | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where(byId(id)).executeTakeFirst()
}

/** Replaces an expired or abandoned claim, unless someone else replaced it since it was read. */
export async function takeOverKey(db: Db, claim: Claim, seenCreatedAt: number): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_keys')
    .set(claim)
    .where(byId(claim))
    .where('created_at', '=', seenCreatedAt)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Stores the answer under the key, if this request still holds it (it was not taken over). */
export async function completeKey(db: Db, claim: Claim, answer: StoredAnswer): Promise<void> {
  const batcher = keyBatcherFor(db)
  if (batcher) return batcher.complete(claim, answer)
  await db
    .updateTable('idempotency_keys')
    .set({
      state: 'DONE',
      status_code: answer.status,
      content_type: answer.contentType,
      response_body: answer.body,
    })
    .where(byId(claim))
    .where('claim_token', '=', claim.claim_token)
    .execute()
}

/**
 * Claims many keys with one statement, in the caller's transaction or alone: true for each claim
 * that now holds its key. `insert or ignore` keeps the first of any duplicates (also within one
 * statement), and when it skipped any, the rows' tokens say which claims won.
 */
export async function claimKeys(db: Db, claims: Claim[]): Promise<boolean[]> {
  const result = await db.insertInto('idempotency_keys').orIgnore().values(claims).executeTakeFirst()
  if (Number(result.numInsertedOrUpdatedRows) === claims.length) return claims.map(() => true)
  const holders = await db
    .selectFrom('idempotency_keys')
    .select('claim_token')
    .where((eb) => eb.or(claims.map((c) => byId(c)(eb))))
    .execute()
  const held = new Set(holders.map((h) => h.claim_token))
  return claims.map((c) => held.has(c.claim_token))
}

/** Stores many answers with one statement, each only where its claim's token still holds the key. */
export async function answerKeys(db: Db, done: { claim: Claim; answer: StoredAnswer }[]): Promise<void> {
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
      eb.or(done.map(({ claim }) => eb.and([byId(claim)(eb), eb('claim_token', '=', claim.claim_token)]))),
    )
    .execute()
}

/** Forgets claims with one statement, each only where its token still holds the key. */
export async function releaseKeys(db: Db, claims: Claim[]): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where((eb) => eb.or(claims.map((c) => eb.and([byId(c)(eb), eb('claim_token', '=', c.claim_token)]))))
    .execute()
}

/** Records an answer under a key nobody holds (a refused request); a key someone holds is left alone. */
export async function recordAnswer(db: Db, claim: Claim, answer: StoredAnswer): Promise<void> {
  const row = {
    ...claim,
    state: 'DONE' as const,
    status_code: answer.status,
    content_type: answer.contentType,
    response_body: answer.body,
  }
  await db.insertInto('idempotency_keys').orIgnore().values(row).execute()
}

/** An idempotency key as a unit's receipt: claimed and answered in the unit's transaction. */
export interface KeyReceipt<T> extends Receipt<T> {
  claim: Claim
  answer(result: T): StoredAnswer
}

/** The idempotency keys as a book of receipts. */
export const keyReceipts: ReceiptBook = {
  claim: (trx, receipts) =>
    claimKeys(
      trx,
      (receipts as KeyReceipt<unknown>[]).map((r) => r.claim),
    ),
  complete: (trx, done) =>
    answerKeys(
      trx,
      done.map((d) => ({
        claim: (d.receipt as KeyReceipt<unknown>).claim,
        answer: d.answer as StoredAnswer,
      })),
    ),
  release: (trx, receipts) =>
    releaseKeys(
      trx,
      (receipts as KeyReceipt<unknown>[]).map((r) => r.claim),
    ),
}

/** Deletes a key found expired or abandoned, unless it changed since it was read. */
export async function dropStaleKey(db: Db, id: KeyId, seenCreatedAt: number): Promise<void> {
  await db.deleteFrom('idempotency_keys').where(byId(id)).where('created_at', '=', seenCreatedAt).execute()
}

/** Forgets this request's claim after it failed on our side, so that a retry runs again. */
export async function releaseKey(db: Db, claim: Claim): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where(byId(claim))
    .where('claim_token', '=', claim.claim_token)
    .execute()
}

/** Deletes answers past their 24 h (called by the periodic sweeper). */
export async function purgeExpiredIdempotencyKeys(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}
