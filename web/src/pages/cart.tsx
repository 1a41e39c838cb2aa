import { useMemo, useState } from 'preact/hooks'
import { api, explain, newIdempotencyKey, ok } from '../api'
import { cart, cartTotal, setQuantity } from '../cart'
import { describeDiscount, discountPreview, formatWon } from '../format'
import { currentSession } from '../session'
import { useStore } from '../store'
import { Link, Notice, PageTitle, SignInFirst, useLoad } from '../ui'
import { myCoupons } from './coupons'
import { Balance } from './wallet'

type Placed = { id: number; payAmount: number; discountAmount: number }

export function CartPage() {
  const s = currentSession()
  const lines = useStore(cart)
  const coupons = useLoad(
    () => (s ? myCoupons(s.userId, 'AVAILABLE') : Promise.resolve(undefined)),
    [s?.userId],
  )
  const [couponId, setCouponId] = useState<number>()
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string>()
  const [placed, setPlaced] = useState<Placed>()
  const total = cartTotal(lines)
  const coupon = coupons.data?.items.find((c) => c.id === couponId)
  const eligible = coupon !== undefined && total >= coupon.minOrderAmount
  const discount = coupon && eligible ? discountPreview(coupon, total) : 0
  // One key per cart as it stands: a retried or re-clicked checkout of the same cart is the same
  // order to the server (Idempotency-Key), while a changed cart is a new one.
  const orderKey = useMemo(newIdempotencyKey, [JSON.stringify(lines), couponId, s?.userId])

  if (!s) return <SignInFirst what="check out" />

  const checkout = async () => {
    setPending(true)
    setError(undefined)
    try {
      const order = await ok(
        api.POST('/api/v1/orders', {
          params: { header: { 'idempotency-key': orderKey } },
          body: {
            userId: s.userId,
            items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
            payment: 'POINTS',
            ...(couponId && eligible ? { userCouponId: couponId } : {}),
          },
        }),
      )
      setPlaced(order)
      cart.set([])
      setCouponId(undefined)
      coupons.reload()
    } catch (e) {
      setError(explain(e))
    } finally {
      setPending(false)
    }
  }

  return (
    <>
      <PageTitle>Your cart</PageTitle>
      {placed && (
        <Notice kind="success">
          Order #{placed.id} is placed and paid: {formatWon(placed.payAmount)}
          {placed.discountAmount > 0 && ` (you saved ${formatWon(placed.discountAmount)})`}.{' '}
          <Link href="/orders">See your orders</Link>
        </Notice>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {lines.length === 0 ? (
        <p class="muted">
          Your cart is empty. <Link href="/">Browse the shop</Link>
        </p>
      ) : (
        <div class="panel">
          <table>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" class="num">
                  Price
                </th>
                <th scope="col">Quantity</th>
                <th scope="col" class="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr key={l.productId}>
                  <td>{l.name}</td>
                  <td class="num">{formatWon(l.price)}</td>
                  <td>
                    <input
                      type="number"
                      class="qty"
                      min={0}
                      max={100}
                      value={l.quantity}
                      aria-label={`Quantity of ${l.name}`}
                      onChange={(e) =>
                        setQuantity(l.productId, Math.max(0, Number(e.currentTarget.value) || 0))
                      }
                    />{' '}
                    <button type="button" class="link" onClick={() => setQuantity(l.productId, 0)}>
                      Remove<span class="sr-only"> {l.name}</span>
                    </button>
                  </td>
                  <td class="num">{formatWon(l.price * l.quantity)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <label>
            Coupon
            <select
              value={couponId ?? ''}
              onChange={(e) => setCouponId(e.currentTarget.value ? Number(e.currentTarget.value) : undefined)}
            >
              <option value="">No coupon</option>
              {coupons.data?.items.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}: {describeDiscount(c)}
                </option>
              ))}
            </select>
          </label>
          {coupon && !eligible && (
            <Notice kind="info">
              This coupon needs an order of {formatWon(coupon.minOrderAmount)} or more.
            </Notice>
          )}
          <dl class="totals">
            <dt>Subtotal</dt>
            <dd>{formatWon(total)}</dd>
            <dt>Discount</dt>
            <dd data-testid="discount">{discount > 0 ? `−${formatWon(discount)}` : formatWon(0)}</dd>
            <dt>To pay with points</dt>
            <dd data-testid="to-pay">
              <strong>{formatWon(total - discount)}</strong>
            </dd>
          </dl>
          <Balance userId={s.userId} />
          <button type="button" class="primary big" disabled={pending} onClick={checkout}>
            {pending ? 'Placing your order…' : 'Pay with points'}
          </button>
        </div>
      )}
    </>
  )
}
