import { useState } from 'preact/hooks'
import { api, chargePoints, explain, newIdempotencyKey, ok } from '../api'
import { formatDate, formatWon } from '../format'
import { currentSession, type Session } from '../session'
import { Notice, PageTitle, SignInFirst, useLoad } from '../ui'

const KIND = { CHARGE: 'Charge', PAYMENT: 'Payment', REFUND: 'Refund' } as const

export function Balance(props: { userId: number; generation?: number }) {
  const balance = useLoad(
    () => ok(api.GET('/api/v1/points/users/{userId}', { params: { path: { userId: props.userId } } })),
    [props.userId, props.generation],
  )
  return (
    <p class="balance">
      Points balance:{' '}
      <strong data-testid="balance">{balance.data ? formatWon(balance.data.balance) : '…'}</strong>
    </p>
  )
}

function ChargeForm(props: { s: Session; onCharged: () => void }) {
  const [amount, setAmount] = useState(10_000)
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string }>()
  const [pending, setPending] = useState(false)
  return (
    <form
      class="panel inline-form"
      onSubmit={async (event) => {
        event.preventDefault()
        setPending(true)
        try {
          const result = await chargePoints(props.s.userId, amount, newIdempotencyKey())
          setMessage({
            kind: 'success',
            text: `Charged ${formatWon(result.charged)}. New balance ${formatWon(result.balance)}.`,
          })
          props.onCharged()
        } catch (e) {
          setMessage({ kind: 'error', text: explain(e) })
        } finally {
          setPending(false)
        }
      }}
    >
      <label>
        Amount to charge (points)
        <input
          type="number"
          min={1000}
          step={1000}
          required
          value={amount}
          onInput={(e) => setAmount(Number(e.currentTarget.value))}
        />
      </label>
      <button type="submit" class="primary" disabled={pending}>
        Charge points
      </button>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
    </form>
  )
}

export function WalletPage() {
  const s = currentSession()
  const [generation, setGeneration] = useState(0)
  const history = useLoad(
    () =>
      s
        ? ok(
            api.GET('/api/v1/points/users/{userId}/history', {
              params: { path: { userId: s.userId }, query: { limit: 20 } },
            }),
          )
        : Promise.resolve(undefined),
    [s?.userId, generation],
  )
  if (!s) return <SignInFirst what="see your points" />
  return (
    <>
      <PageTitle>Your points</PageTitle>
      <Balance userId={s.userId} generation={generation} />
      <ChargeForm s={s} onCharged={() => setGeneration((g) => g + 1)} />
      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {history.error && <Notice kind="error">{history.error}</Notice>}
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col" class="num">
                Amount
              </th>
              <th scope="col" class="num">
                Balance after
              </th>
            </tr>
          </thead>
          <tbody>
            {history.data?.items.map((e) => (
              <tr key={e.id}>
                <td>{formatDate(e.createdAt)}</td>
                <td>
                  {KIND[e.type]}
                  {e.orderId !== null && ` (order #${e.orderId})`}
                </td>
                <td class={`num ${e.amount < 0 ? 'minus' : 'plus'}`}>
                  {e.amount > 0 ? '+' : ''}
                  {formatWon(e.amount)}
                </td>
                <td class="num">{formatWon(e.balanceAfter)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  )
}
