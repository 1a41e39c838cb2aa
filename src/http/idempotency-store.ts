import type { ExpressionBuilder } from 'kysely'
import type { Database, Db, IdempotencyKeysTable } from '../platform/db/index.js'
import { isUniqueViolation } from '../platform/db/index.js'

/** One key: scoped to the caller and the request path. */
export interface KeyId {
  user_id: number
  scope: string
  idem_key: string
}

type Row = IdempotencyKeysTable

const byId =
  ({ user_id, scope, idem_key }: KeyId) =>
  (eb: ExpressionBuilder<Database, 'idempotency_keys'>) =>
    eb.and({ user_id, scope, idem_key })

/** Claims a fresh key. Returns false when the key already exists (someone claimed it first). */
export async function claimKey(db: Db, row: Row): Promise<boolean> {
  try {
    await db.insertInto('idempotency_keys').values(row).execute()
    return true
  } catch (error) {
    if (isUniqueViolation(error)) return false
    throw error
  }
}

export function findKey(db: Db, id: KeyId): Promise<Row | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where(byId(id)).executeTakeFirst()
}

/** Replaces an expired or abandoned claim, unless someone else replaced it since it was read. */
export async function takeOverKey(db: Db, row: Row, seenCreatedAt: number): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_keys')
    .set(row)
    .where(byId(row))
    .where('created_at', '=', seenCreatedAt)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function completeKey(
  db: Db,
  id: KeyId,
  answer: { status: number; contentType: string; body: string },
) {
  await db
    .updateTable('idempotency_keys')
    .set({
      state: 'DONE',
      status_code: answer.status,
      content_type: answer.contentType,
      response_body: answer.body,
    })
    .where(byId(id))
    .execute()
}

/** Forgets a claim whose request failed on our side, so that a retry runs again. */
export async function releaseKey(db: Db, id: KeyId) {
  await db.deleteFrom('idempotency_keys').where(byId(id)).execute()
}

/** Deletes answers past their 24 h (called by the periodic sweeper). */
export async function purgeExpiredIdempotencyKeys(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}
