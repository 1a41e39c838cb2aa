import type { ExpressionBuilder } from 'kysely'
import type { Database, Db, IdempotencyKeysTable, ReceiptBook, ReceiptEntry } from '../platform/db/index.js'
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

/** A key written with its answer at once: by a unit with its result, or after a refusal. */
export interface AnsweredKey extends ReceiptEntry {
  row: Claim
}

/**
 * Writes answered keys in the caller's transaction, one statement for all; a key someone already
 * holds is left alone (`insert or ignore`), and false tells the caller so its unit rolls back.
 */
export const answeredKeys: ReceiptBook = {
  async write(trx, entries) {
    const rows = (entries as AnsweredKey[]).map((e) => e.row)
    const result = await trx.insertInto('idempotency_keys').orIgnore().values(rows).executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows) === rows.length
  },
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
