/**
 * Table types for Kysely. Timestamps are epoch milliseconds (BIGINT) so that SQLite and MySQL
 * compare and index them the same way; money is integer won.
 */
import type { Generated, Insertable, Selectable } from 'kysely'

export interface UsersTable {
  id: number
  name: string
  role: 'customer' | 'admin'
  created_at: number
}

export interface ProductsTable {
  id: Generated<number>
  name: string
  price: number
  /** Units on the shelf: not held by a pending order, not sold. */
  stock: number
  /** Every unit ever added (initial stock plus restocks and corrections); the stock invariant's right side. */
  stock_added: number
  created_at: number
  updated_at: number
}

export interface PointWalletsTable {
  user_id: number
  balance: number
  updated_at: number
}

export type PointTxType = 'CHARGE' | 'PAYMENT' | 'REFUND'

export interface PointTransactionsTable {
  id: Generated<number>
  user_id: number
  type: PointTxType
  /** Signed: a wallet's balance is the sum of its transactions. */
  amount: number
  balance_after: number
  order_id: number | null
  created_at: number
}

export type DiscountType = 'FIXED' | 'RATE'

export interface CouponsTable {
  id: Generated<number>
  name: string
  discount_type: DiscountType
  discount_value: number
  max_discount: number | null
  min_order_amount: number
  total_quantity: number
  issued_quantity: number
  issue_starts_at: number | null
  issue_ends_at: number | null
  valid_days: number
  created_at: number
}

export interface UserCouponsTable {
  id: Generated<number>
  coupon_id: number
  user_id: number
  /** EXPIRED is derived from expires_at when read, never stored. */
  status: 'AVAILABLE' | 'USED'
  order_id: number | null
  issued_at: number
  expires_at: number
  used_at: number | null
}

export type OrderStatus = 'PENDING_PAYMENT' | 'PAID' | 'EXPIRED' | 'CANCELLED'

export interface OrdersTable {
  id: Generated<number>
  user_id: number
  status: OrderStatus
  total_amount: number
  discount_amount: number
  pay_amount: number
  user_coupon_id: number | null
  created_at: number
  paid_at: number | null
  expires_at: number | null
  cancelled_at: number | null
  updated_at: number
}

export interface OrderItemsTable {
  id: Generated<number>
  order_id: number
  product_id: number
  name: string
  unit_price: number
  quantity: number
  amount: number
}

export interface OutboxTable {
  id: Generated<number>
  event_id: string
  type: string
  aggregate_id: number
  payload: string
  created_at: number
  published_at: number | null
  /** The relay instance holding the row until `claimed_until` (publishing is outside any transaction). */
  claimed_by: string | null
  claimed_until: number | null
}

export interface IdempotencyKeysTable {
  user_id: number
  scope: string
  idem_key: string
  request_hash: string
  state: 'IN_PROGRESS' | 'DONE'
  status_code: number | null
  content_type: string | null
  response_body: string | null
  created_at: number
  expires_at: number
  /** Who holds the claim (migration 005); null on rows written before it. */
  claim_token: string | null
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'PARKED'

/** An event on its way to the data platform; `PARKED` rows are the dead-letter store. */
export interface DataPlatformDeliveriesTable {
  event_id: string
  type: string
  /** The JSON body sent, exactly as first received. */
  body: string
  status: DeliveryStatus
  attempts: number
  next_attempt_at: number
  last_error: string | null
  claimed_by: string | null
  claimed_until: number | null
  created_at: number
  /** When it was delivered or parked. */
  finished_at: number | null
}

export interface Database {
  users: UsersTable
  products: ProductsTable
  point_wallets: PointWalletsTable
  point_transactions: PointTransactionsTable
  coupons: CouponsTable
  user_coupons: UserCouponsTable
  orders: OrdersTable
  order_items: OrderItemsTable
  outbox: OutboxTable
  idempotency_keys: IdempotencyKeysTable
  data_platform_deliveries: DataPlatformDeliveriesTable
  ops_alert_events: OpsAlertEventsTable
  ops_minutes: OpsMinutesTable
}

/** An alert's transition as the ops sampler of one instance saw it (migration 004). */
export interface OpsAlertEventsTable {
  id: Generated<number>
  instance: string
  at: number
  alert: string
  severity: string
  state: 'firing' | 'resolved'
  value: number
}

/** One instance's counts for one minute (`at` = the minute's start, epoch ms). */
export interface OpsMinutesTable {
  instance: string
  at: number
  requests: number
  failed: number
  orders_placed: number
  orders_paid: number
  failed_users: string
}

export type ProductRow = Selectable<ProductsTable>
export type CouponRow = Selectable<CouponsTable>
export type UserCouponRow = Selectable<UserCouponsTable>
export type OrderRow = Selectable<OrdersTable>
export type OrderItemRow = Selectable<OrderItemsTable>
export type PointTransactionRow = Selectable<PointTransactionsTable>
export type NewOutboxRow = Insertable<OutboxTable>
export type DeliveryRow = Selectable<DataPlatformDeliveriesTable>
