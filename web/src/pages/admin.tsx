import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { api, explain, newIdempotencyKey, ok } from '../api'
import { formatWon } from '../format'
import { currentSession } from '../session'
import { Notice, PageTitle, SignInFirst } from '../ui'

/** One admin action: a titled form that runs `act` and shows what came back. */
function Action(props: {
  title: string
  act: (form: FormData) => Promise<string>
  children: ComponentChildren
}) {
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string }>()
  return (
    <form
      class="panel"
      onSubmit={async (event) => {
        event.preventDefault()
        try {
          setMessage({ kind: 'success', text: await props.act(new FormData(event.currentTarget)) })
        } catch (e) {
          setMessage({ kind: 'error', text: explain(e) })
        }
      }}
    >
      <h2>{props.title}</h2>
      {props.children}
      <button type="submit" class="primary">
        {props.title}
      </button>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
    </form>
  )
}

function Field(props: {
  label: string
  name: string
  number?: boolean
  value?: string | number
  min?: number
}) {
  return props.number ? (
    <label>
      {props.label}
      <input name={props.name} type="number" value={props.value} min={props.min} required />
    </label>
  ) : (
    <label>
      {props.label}
      <input name={props.name} type="text" value={props.value} required />
    </label>
  )
}

const num = (form: FormData, name: string) => Number(form.get(name))
const key = () => ({ 'idempotency-key': newIdempotencyKey() })

export function AdminPage() {
  const s = currentSession()
  if (!s) return <SignInFirst what="manage the shop" />
  if (s.role !== 'admin') return <Notice kind="info">The admin corner is for the shop admin.</Notice>
  return (
    <>
      <PageTitle>Admin corner</PageTitle>
      <div class="admin-grid">
        <Action
          title="Create product"
          act={async (f) => {
            const p = await ok(
              api.POST('/api/v1/admin/products', {
                params: { header: key() },
                body: { name: String(f.get('name')), price: num(f, 'price'), stock: num(f, 'stock') },
              }),
            )
            return `Product #${p.id} “${p.name}” created at ${formatWon(p.price)} with ${p.stock} in stock.`
          }}
        >
          <Field label="Name" name="name" />
          <Field label="Price (won)" name="price" number min={0} value={10000} />
          <Field label="Stock" name="stock" number min={0} value={10} />
        </Action>
        <Action
          title="Restock"
          act={async (f) => {
            const p = await ok(
              api.POST('/api/v1/admin/products/{productId}/stock', {
                params: { path: { productId: num(f, 'productId') }, header: key() },
                body: { delta: num(f, 'delta') },
              }),
            )
            return `${p.name} now has ${p.stock} in stock.`
          }}
        >
          <Field label="Product id" name="productId" number min={1} />
          <Field label="Units to add (negative to correct)" name="delta" number value={10} />
        </Action>
        <Action
          title="Create coupon"
          act={async (f) => {
            const c = await ok(
              api.POST('/api/v1/admin/coupons', {
                params: { header: key() },
                body: {
                  name: String(f.get('name')),
                  discountType: f.get('discountType') === 'RATE' ? 'RATE' : 'FIXED',
                  discountValue: num(f, 'discountValue'),
                  totalQuantity: num(f, 'totalQuantity'),
                  validDays: num(f, 'validDays'),
                  minOrderAmount: num(f, 'minOrderAmount'),
                },
              }),
            )
            return `Coupon #${c.id} “${c.name}” created: ${c.totalQuantity} to claim.`
          }}
        >
          <Field label="Name" name="name" />
          <label>
            Discount type
            <select name="discountType">
              <option value="FIXED">Fixed amount (won)</option>
              <option value="RATE">Percentage</option>
            </select>
          </label>
          <Field label="Discount value" name="discountValue" number min={1} value={1000} />
          <Field label="Copies" name="totalQuantity" number min={1} value={100} />
          <Field label="Valid for (days)" name="validDays" number min={1} value={30} />
          <Field label="Minimum order (won)" name="minOrderAmount" number min={0} value={0} />
        </Action>
        <Action
          title="Grant coupon"
          act={async (f) => {
            const userIds = String(f.get('userIds'))
              .split(/[\s,]+/)
              .filter(Boolean)
              .map(Number)
            const r = await ok(
              api.POST('/api/v1/admin/coupons/{couponId}/grants', {
                params: { path: { couponId: num(f, 'couponId') }, header: key() },
                body: { userIds },
              }),
            )
            return `Granted to ${r.granted} user(s); ${r.skipped} already had it.`
          }}
        >
          <Field label="Coupon id" name="couponId" number min={1} />
          <Field label="User ids (comma-separated)" name="userIds" />
        </Action>
      </div>
    </>
  )
}
