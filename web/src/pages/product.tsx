import { useState } from 'preact/hooks'
import { api, ok } from '../api'
import { formatWon } from '../format'
import { Link, Notice, PageTitle, useLoad } from '../ui'
import { AddToCart, StockBadge } from './shop'

export function ProductPage(props: { productId: number }) {
  const product = useLoad(
    () => ok(api.GET('/api/v1/products/{productId}', { params: { path: { productId: props.productId } } })),
    [props.productId],
  )
  const [quantity, setQuantity] = useState(1)
  const [added, setAdded] = useState(false)
  if (product.error) return <Notice kind="error">{product.error}</Notice>
  const p = product.data
  if (!p) return <p class="muted">Loading…</p>
  return (
    <>
      <p>
        <Link href="/">← Back to the shop</Link>
      </p>
      <PageTitle>{p.name}</PageTitle>
      <div class="panel detail">
        <p class="price big">{formatWon(p.price)}</p>
        <StockBadge stock={p.stock} />
        {p.stock > 0 && (
          <label>
            Quantity
            <input
              type="number"
              min={1}
              max={Math.min(100, p.stock)}
              value={quantity}
              onInput={(e) => setQuantity(Math.max(1, Number(e.currentTarget.value) || 1))}
            />
          </label>
        )}
        <AddToCart product={p} quantity={quantity} onAdded={() => setAdded(true)} />
        {added && (
          <Notice kind="success">
            Added to your cart. <Link href="/cart">Go to the cart</Link>
          </Notice>
        )}
      </div>
    </>
  )
}
