import { BusyBanner } from './busy-banner'
import { cart } from './cart'
import { AdminPage } from './pages/admin'
import { CartPage } from './pages/cart'
import { CouponsPage } from './pages/coupons'
import { OpsPageLoader } from './pages/ops-loader'
import { OrdersPage } from './pages/orders'
import { ProductPage } from './pages/product'
import { ShopPage } from './pages/shop'
import { SignInPage } from './pages/sign-in'
import { WalletPage } from './pages/wallet'
import { navigate, route } from './router'
import { currentSession, session } from './session'
import { useStore } from './store'
import { Link, PageTitle } from './ui'

function Page(props: { path: string }) {
  const product = /^\/products\/(\d+)$/.exec(props.path)
  if (product) return <ProductPage productId={Number(product[1])} />
  switch (props.path) {
    case '/':
      return <ShopPage />
    case '/sign-in':
      return <SignInPage />
    case '/wallet':
      return <WalletPage />
    case '/coupons':
      return <CouponsPage />
    case '/cart':
      return <CartPage />
    case '/orders':
      return <OrdersPage />
    case '/admin':
      return <AdminPage />
    case '/ops':
      return <OpsPageLoader />
    default:
      return (
        <>
          <PageTitle>Page not found</PageTitle>
          <p>
            <Link href="/">Back to the shop</Link>
          </p>
        </>
      )
  }
}

export function App() {
  const path = useStore(route)
  useStore(session)
  const lines = useStore(cart)
  const s = currentSession()
  const items = lines.reduce((n, l) => n + l.quantity, 0)
  const links = [
    ['/', 'Shop'],
    ['/coupons', 'Coupons'],
    ['/cart', `Cart (${items})`],
    ['/orders', 'Orders'],
    ['/wallet', 'Points'],
    ...(s?.role === 'admin'
      ? [
          ['/admin', 'Admin'],
          ['/ops', 'Ops'],
        ]
      : []),
  ] as const
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top-bar">
        <Link href="/" class="brand">
          Floodgate
        </Link>
        <nav aria-label="Main">
          <ul>
            {links.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={path === href ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {s ? (
            <>
              <span>{s.name}</span>{' '}
              <button
                type="button"
                class="link"
                onClick={() => {
                  session.set(null)
                  navigate('/')
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <Link href="/sign-in">Sign in</Link>
          )}
        </div>
      </header>
      <BusyBanner />
      <main id="main">
        <Page path={path} />
      </main>
    </>
  )
}
