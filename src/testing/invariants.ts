import assert from 'node:assert/strict'
import { sql } from 'kysely'
import type { Db } from '../platform/db/index.js'

/**
 * The books must balance after every test that writes:
 * - per product: shelf + held by pending orders + sold in paid orders = every unit ever added;
 * - per user: balance = sum of the history = the newest history row's balance after, never negative;
 * - coupons: issued count = user coupons; no user coupon used by two live orders, and a used one
 *   belongs to a live order.
 */
export async function assertInvariants(db: Db): Promise<void> {
  const stock = await sql<{ id: number; stock: number; stock_added: number; held: number; sold: number }>`
    select p.id, p.stock, p.stock_added,
      coalesce((select sum(i.quantity) from order_items i join orders o on o.id = i.order_id
                where i.product_id = p.id and o.status = 'PENDING_PAYMENT'), 0) as held,
      coalesce((select sum(i.quantity) from order_items i join orders o on o.id = i.order_id
                where i.product_id = p.id and o.status = 'PAID'), 0) as sold
    from products p`.execute(db)
  for (const p of stock.rows) {
    assert.ok(Number(p.stock) >= 0, `product ${p.id} stock is negative`)
    assert.equal(
      Number(p.stock) + Number(p.held) + Number(p.sold),
      Number(p.stock_added),
      `product ${p.id}: stock ${p.stock} + held ${p.held} + sold ${p.sold} != added ${p.stock_added}`,
    )
  }

  const wallets = await sql<{ user_id: number; balance: number; total: number | null; last: number | null }>`
    select w.user_id, w.balance,
      (select sum(t.amount) from point_transactions t where t.user_id = w.user_id) as total,
      (select t.balance_after from point_transactions t where t.user_id = w.user_id
       order by t.id desc limit 1) as last
    from point_wallets w`.execute(db)
  for (const w of wallets.rows) {
    assert.ok(Number(w.balance) >= 0, `user ${w.user_id} balance is negative`)
    assert.equal(
      Number(w.balance),
      Number(w.total ?? 0),
      `user ${w.user_id}: balance ${w.balance} != history ${w.total}`,
    )
    if (w.last !== null)
      assert.equal(Number(w.last), Number(w.balance), `user ${w.user_id}: newest balance_after != balance`)
  }
  const orphans = await sql<{ n: number }>`
    select count(*) as n from point_transactions t
    where not exists (select 1 from point_wallets w where w.user_id = t.user_id)`.execute(db)
  assert.equal(Number(orphans.rows[0]!.n), 0, 'history rows without a wallet')

  const coupons = await sql<{ id: number; issued: number; total: number; held: number }>`
    select c.id, c.issued_quantity as issued, c.total_quantity as total,
      (select count(*) from user_coupons u where u.coupon_id = c.id) as held
    from coupons c`.execute(db)
  for (const c of coupons.rows) {
    assert.equal(
      Number(c.issued),
      Number(c.held),
      `coupon ${c.id}: issued ${c.issued} != user coupons ${c.held}`,
    )
    assert.ok(Number(c.issued) <= Number(c.total), `coupon ${c.id} issued beyond its quantity`)
  }

  const doubleUse = await sql<{ user_coupon_id: number; n: number }>`
    select user_coupon_id, count(*) as n from orders
    where user_coupon_id is not null and status in ('PENDING_PAYMENT', 'PAID')
    group by user_coupon_id having count(*) > 1`.execute(db)
  assert.deepEqual(doubleUse.rows, [], 'a user coupon is used by two live orders')

  const mismatched = await sql<{ id: number }>`
    select u.id from user_coupons u
    where (u.status = 'USED' and not exists (
             select 1 from orders o where o.id = u.order_id and o.user_coupon_id = u.id
             and o.status in ('PENDING_PAYMENT', 'PAID')))
       or (u.status = 'AVAILABLE' and exists (
             select 1 from orders o where o.user_coupon_id = u.id and o.status in ('PENDING_PAYMENT', 'PAID')))`.execute(
    db,
  )
  assert.deepEqual(mismatched.rows, [], 'user coupon status disagrees with its orders')
}
