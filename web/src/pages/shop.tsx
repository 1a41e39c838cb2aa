import { useEffect } from 'preact/hooks'
import { api, busy, ok, type Product, topProducts } from '../api'
import { addToCart } from '../cart'
import { formatCount, formatWon } from '../format'
import { Link, Notice, PageTitle, useLoad } from '../ui'

/** Stock moves fast on sale day: the list refreshes on its own, but never while the shop is busy. */
const STOCK_REFRESH_MS = 5_000

export function StockBadge(props: { stock: number }) {
  return props.stock > 0 ? (
    <span class="stock">{formatCount(props.stock)} left</span>
  ) : (
    <span class="stock sold-out">Sold out</span>
  )
}

export function AddToCart(props: { product: Product; quantity?: number; onAdded?: () => void }) {
  const soldOut = props.product.stock <= 0
  return (
    <button
      type="button"
      class="primary"
      disabled={soldOut}
      aria-label={soldOut ? `${props.product.name} is sold out` : `Add ${props.product.name} to cart`}
      onClick={() => {
        addToCart(props.product, props.quantity ?? 1)
        props.onAdded?.()
      }}
    >
      {soldOut ? 'Sold out' : 'Add to cart'}
    </button>
  )
}

function BestSellers() {
  const top = useLoad(() => topProducts(3, 5), [])
  if (top.error) return null
  const items = top.data?.items ?? []
  return (
    <section aria-labelledby="top-title" class="panel">
      <h2 id="top-title">Best sellers, last 3 days</h2>
      {items.length === 0 ? (
        <p class="muted">Nothing sold yet. Be the first!</p>
      ) : (
        <ol class="top">
          {items.map((item) => (
            <li key={item.productId}>
              <Link href={`/products/${item.productId}`}>{item.name}</Link>{' '}
              <span class="muted">
                {formatWon(item.price)} · {formatCount(item.soldQuantity)} sold
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

export function ShopPage() {
  const products = useLoad(() => ok(api.GET('/api/v1/products', { params: { query: { limit: 100 } } })), [])
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && !busy.get()) products.reload()
    }, STOCK_REFRESH_MS)
    return () => clearInterval(timer)
  }, [products.reload])

  return (
    <>
      <PageTitle>Today's shop</PageTitle>
      <BestSellers />
      <section aria-labelledby="all-title">
        <h2 id="all-title">All products</h2>
        {products.error && <Notice kind="error">{products.error}</Notice>}
        {!products.data && !products.error && <p class="muted">Loading products…</p>}
        <ul class="grid">
          {products.data?.items.map((p) => (
            <li key={p.id} class={`card${p.stock <= 0 ? ' is-sold-out' : ''}`}>
              <h3>
                <Link href={`/products/${p.id}`}>{p.name}</Link>
              </h3>
              <p class="price">{formatWon(p.price)}</p>
              <StockBadge stock={p.stock} />
              <AddToCart product={p} />
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}
