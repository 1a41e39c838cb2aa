import type { Kysely } from 'kysely'

/** Outbox rows can be claimed for a while by one relay, so several instances never publish the same batch. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('claimed_by', 'varchar(64)').execute()
  await db.schema.alterTable('outbox').addColumn('claimed_until', 'bigint').execute()
}
