import type { Kysely } from 'kysely'

/**
 * Each claim of an idempotency key carries a random token, so that a request completes or
 * releases only its own claim (not one another request took over), and so that a batch of claims
 * written by one multi-row insert learns which of its rows it inserted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').addColumn('claim_token', 'varchar(36)').execute()
}
