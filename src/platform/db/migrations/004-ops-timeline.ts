import type { Kysely } from 'kysely'

/**
 * What the ops sampler records for incident reports: alert transitions (firing, resolved) and
 * one row of request and order counts per instance per minute. Kept in the shop's own database so
 * a shop without Prometheus still has a timeline, and every instance's rows land in one place.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ops_alert_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('instance', 'varchar(100)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('alert', 'varchar(100)', (c) => c.notNull())
    .addColumn('severity', 'varchar(4)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('ops_alert_events_at').on('ops_alert_events').column('at').execute()
  await db.schema
    .createTable('ops_minutes')
    .addColumn('instance', 'varchar(100)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('orders_placed', 'integer', (c) => c.notNull())
    .addColumn('orders_paid', 'integer', (c) => c.notNull())
    // JSON array of the signed-in user ids that saw a 5xx in that minute (capped; see ops-sampler.ts).
    .addColumn('failed_users', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ops_minutes_pk', ['instance', 'at'])
    .execute()
}
