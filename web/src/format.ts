const won = new Intl.NumberFormat('ko-KR', { style: 'currency', currency: 'KRW' })
const count = new Intl.NumberFormat('en-US')
const when = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' })

export const formatWon = (amount: number) => won.format(amount)
export const formatCount = (n: number) => count.format(n)
export const formatDate = (iso: string) => when.format(new Date(iso))

/** The same arithmetic as the server's discountFor (src/coupons/coupons.ts), for the cart's preview. */
export function discountPreview(
  coupon: { discountType: 'FIXED' | 'RATE'; discountValue: number; maxDiscount: number | null },
  total: number,
): number {
  const raw =
    coupon.discountType === 'FIXED' ? coupon.discountValue : Math.floor((total * coupon.discountValue) / 100)
  const capped = coupon.maxDiscount === null ? raw : Math.min(raw, coupon.maxDiscount)
  return Math.min(capped, total)
}

export function describeDiscount(coupon: {
  discountType: 'FIXED' | 'RATE'
  discountValue: number
  maxDiscount: number | null
  minOrderAmount: number
}): string {
  const off =
    coupon.discountType === 'FIXED'
      ? `${formatWon(coupon.discountValue)} off`
      : `${coupon.discountValue}% off${coupon.maxDiscount === null ? '' : ` (up to ${formatWon(coupon.maxDiscount)})`}`
  return coupon.minOrderAmount > 0 ? `${off} orders of ${formatWon(coupon.minOrderAmount)} or more` : off
}
