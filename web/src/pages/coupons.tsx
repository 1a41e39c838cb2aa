import { useState } from 'preact/hooks'
import { api, explain, newIdempotencyKey, ok } from '../api'
import { describeDiscount, formatCount, formatDate } from '../format'
import { currentSession } from '../session'
import { Link, Notice, PageTitle, useLoad } from '../ui'

export function myCoupons(userId: number, status?: 'AVAILABLE') {
  return ok(
    api.GET('/api/v1/coupons/users/{userId}', {
      params: { path: { userId }, query: status ? { status } : {} },
    }),
  )
}

export function CouponsPage() {
  const s = currentSession()
  const issuable = useLoad(() => ok(api.GET('/api/v1/coupons')), [])
  const mine = useLoad(() => (s ? myCoupons(s.userId) : Promise.resolve(undefined)), [s?.userId])
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string }>()
  const [pending, setPending] = useState<number>()

  const claim = async (couponId: number, name: string) => {
    if (!s) return
    setPending(couponId)
    try {
      await ok(
        api.POST('/api/v1/coupons/{couponId}/issue', {
          params: { path: { couponId }, header: { 'idempotency-key': newIdempotencyKey() } },
          body: { userId: s.userId },
        }),
      )
      setMessage({ kind: 'success', text: `Claimed “${name}”. Use it in your cart.` })
    } catch (e) {
      setMessage({ kind: 'error', text: explain(e) })
    } finally {
      setPending(undefined)
      issuable.reload()
      mine.reload()
    }
  }

  return (
    <>
      <PageTitle>Coupons</PageTitle>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {issuable.error && <Notice kind="error">{issuable.error}</Notice>}
      <ul class="grid">
        {issuable.data?.items.map((c) => {
          const gone = c.remainingQuantity <= 0
          const have = mine.data?.items.some((m) => m.couponId === c.id)
          return (
            <li key={c.id} class={`card${gone ? ' is-sold-out' : ''}`}>
              <h2 class="h3">{c.name}</h2>
              <p>{describeDiscount(c)}</p>
              <p class={gone ? 'stock sold-out' : 'stock'}>
                {gone
                  ? 'All gone'
                  : `${formatCount(c.remainingQuantity)} of ${formatCount(c.totalQuantity)} left`}
              </p>
              {s ? (
                <button
                  type="button"
                  class="primary"
                  disabled={gone || have || pending === c.id}
                  aria-label={`Claim ${c.name}`}
                  onClick={() => claim(c.id, c.name)}
                >
                  {have ? 'Claimed' : gone ? 'All gone' : 'Claim'}
                </button>
              ) : (
                <Link href="/sign-in">Sign in to claim</Link>
              )}
            </li>
          )
        })}
      </ul>
      {issuable.data?.items.length === 0 && <p class="muted">No coupons to claim right now.</p>}
      {s && (
        <section aria-labelledby="mine-title">
          <h2 id="mine-title">Your coupons</h2>
          {mine.data?.items.length === 0 && <p class="muted">None yet.</p>}
          <ul class="plain">
            {mine.data?.items.map((c) => (
              <li key={c.id}>
                <strong>{c.name}</strong> · {describeDiscount(c)} ·{' '}
                <span class={`status status-${c.status.toLowerCase()}`}>{c.status.toLowerCase()}</span>
                <span class="muted"> · valid until {formatDate(c.expiresAt)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  )
}
