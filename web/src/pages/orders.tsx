import { useState } from 'preact/hooks'
import { api, explain, newIdempotencyKey, ok } from '../api'
import { formatDate, formatWon } from '../format'
import { currentSession } from '../session'
import { Notice, PageTitle, SignInFirst, useLoad } from '../ui'
import { Balance } from './wallet'

const STATUS = {
  PENDING_PAYMENT: 'Awaiting payment',
  PAID: 'Paid',
  EXPIRED: 'Expired',
  CANCELLED: 'Cancelled',
} as const

export function OrdersPage() {
  const s = currentSession()
  const [generation, setGeneration] = useState(0)
  const orders = useLoad(
    () =>
      s
        ? ok(
            api.GET('/api/v1/orders/users/{userId}', {
              params: { path: { userId: s.userId }, query: { limit: 20 } },
            }),
          )
        : Promise.resolve(undefined),
    [s?.userId, generation],
  )
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string }>()
  const [pending, setPending] = useState<number>()
  if (!s) return <SignInFirst what="see your orders" />

  const cancel = async (orderId: number) => {
    setPending(orderId)
    try {
      const order = await ok(
        api.POST('/api/v1/orders/{orderId}/cancel', {
          params: { path: { orderId }, header: { 'idempotency-key': newIdempotencyKey() } },
        }),
      )
      setMessage({
        kind: 'success',
        text:
          order.paidAt !== null
            ? `Order #${orderId} is cancelled. ${formatWon(order.payAmount)} was refunded to your points.`
            : `Order #${orderId} is cancelled.`,
      })
    } catch (e) {
      setMessage({ kind: 'error', text: explain(e) })
    } finally {
      setPending(undefined)
      setGeneration((g) => g + 1)
    }
  }

  return (
    <>
      <PageTitle>Your orders</PageTitle>
      <Balance userId={s.userId} generation={generation} />
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {orders.error && <Notice kind="error">{orders.error}</Notice>}
      {orders.data?.items.length === 0 && <p class="muted">No orders yet.</p>}
      <ul class="plain orders">
        {orders.data?.items.map((o) => (
          <li key={o.id} class="panel" data-testid={`order-${o.id}`}>
            <h2 class="h3">
              Order #{o.id} <span class={`status status-${o.status.toLowerCase()}`}>{STATUS[o.status]}</span>
            </h2>
            <p class="muted">{formatDate(o.createdAt)}</p>
            <ul>
              {o.items.map((i) => (
                <li key={i.productId}>
                  {i.quantity} × {i.name} ({formatWon(i.unitPrice)})
                </li>
              ))}
            </ul>
            <p>
              Total {formatWon(o.totalAmount)}
              {o.discountAmount > 0 && ` − coupon ${formatWon(o.discountAmount)}`} ={' '}
              <strong>{formatWon(o.payAmount)}</strong>
            </p>
            {(o.status === 'PAID' || o.status === 'PENDING_PAYMENT') && (
              <button type="button" disabled={pending === o.id} onClick={() => cancel(o.id)}>
                Cancel order #{o.id}
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  )
}
