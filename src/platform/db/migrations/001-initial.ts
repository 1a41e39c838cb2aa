import { type ColumnDefinitionBuilder, type Kysely, SqliteAdapter } from 'kysely'

/** The whole commerce schema. Column types are chosen to mean the same on SQLite and MySQL. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite's INTEGER PRIMARY KEY already assigns increasing ids; its AUTOINCREMENT keyword would add
  // a write to sqlite_sequence on every insert. MySQL needs AUTO_INCREMENT.
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter
  const autoId = (c: ColumnDefinitionBuilder) => (sqlite ? c.primaryKey() : c.primaryKey().autoIncrement())
  await db.schema
    .createTable('users')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('products')
    .addColumn('id', 'integer', autoId)
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('stock', 'bigint', (c) => c.notNull())
    .addColumn('stock_added', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('point_wallets')
    .addColumn('user_id', 'bigint', (c) => c.primaryKey())
    .addColumn('balance', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('point_transactions')
    .addColumn('id', 'integer', autoId)
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('balance_after', 'bigint', (c) => c.notNull())
    .addColumn('order_id', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('point_transactions_user')
    .on('point_transactions')
    .columns(['user_id', 'id'])
    .execute()

  await db.schema
    .createTable('coupons')
    .addColumn('id', 'integer', autoId)
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('discount_type', 'varchar(8)', (c) => c.notNull())
    .addColumn('discount_value', 'bigint', (c) => c.notNull())
    .addColumn('max_discount', 'bigint')
    .addColumn('min_order_amount', 'bigint', (c) => c.notNull())
    .addColumn('total_quantity', 'bigint', (c) => c.notNull())
    .addColumn('issued_quantity', 'bigint', (c) => c.notNull())
    .addColumn('issue_starts_at', 'bigint')
    .addColumn('issue_ends_at', 'bigint')
    .addColumn('valid_days', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('user_coupons')
    .addColumn('id', 'integer', autoId)
    .addColumn('coupon_id', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('order_id', 'bigint')
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    // The database itself guarantees one coupon per user, whatever races above it.
    .addUniqueConstraint('user_coupons_coupon_user', ['coupon_id', 'user_id'])
    .execute()
  await db.schema.createIndex('user_coupons_user').on('user_coupons').columns(['user_id', 'id']).execute()

  await db.schema
    .createTable('orders')
    .addColumn('id', 'integer', autoId)
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('total_amount', 'bigint', (c) => c.notNull())
    .addColumn('discount_amount', 'bigint', (c) => c.notNull())
    .addColumn('pay_amount', 'bigint', (c) => c.notNull())
    .addColumn('user_coupon_id', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('paid_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('orders_user').on('orders').columns(['user_id', 'id']).execute()
  await db.schema
    .createIndex('orders_status_expires')
    .on('orders')
    .columns(['status', 'expires_at'])
    .execute()
  await db.schema.createIndex('orders_status_paid').on('orders').columns(['status', 'paid_at']).execute()

  await db.schema
    .createTable('order_items')
    .addColumn('id', 'integer', autoId)
    .addColumn('order_id', 'bigint', (c) => c.notNull())
    .addColumn('product_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('unit_price', 'bigint', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('order_items_order').on('order_items').columns(['order_id']).execute()

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'integer', autoId)
    .addColumn('event_id', 'varchar(36)', (c) => c.notNull()) // random UUIDs: unique by construction
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('aggregate_id', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .execute()
  await db.schema.createIndex('outbox_pending').on('outbox').columns(['published_at', 'id']).execute()

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('scope', 'varchar(200)', (c) => c.notNull())
    .addColumn('idem_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('content_type', 'varchar(100)')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'scope', 'idem_key'])
    .execute()
  await db.schema
    .createIndex('idempotency_keys_expires')
    .on('idempotency_keys')
    .columns(['expires_at'])
    .execute()
}
