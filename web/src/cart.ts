import { persistedStore } from './store'

export interface CartLine {
  productId: number
  name: string
  price: number
  quantity: number
}

export const cart = persistedStore<CartLine[]>('floodgate.cart', [])

export function addToCart(product: { id: number; name: string; price: number }, quantity = 1): void {
  const lines = cart.get()
  const existing = lines.find((l) => l.productId === product.id)
  cart.set(
    existing
      ? lines.map((l) => (l === existing ? { ...l, quantity: Math.min(100, l.quantity + quantity) } : l))
      : [...lines, { productId: product.id, name: product.name, price: product.price, quantity }],
  )
}

export function setQuantity(productId: number, quantity: number): void {
  cart.set(
    cart
      .get()
      .map((l) => (l.productId === productId ? { ...l, quantity } : l))
      .filter((l) => l.quantity > 0),
  )
}

export const cartTotal = (lines: CartLine[]) => lines.reduce((sum, l) => sum + l.price * l.quantity, 0)
