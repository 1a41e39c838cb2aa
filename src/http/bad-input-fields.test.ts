/**
 * Odd values field by field (see bad-input.test.ts): every field of every body gets the values its
 * schema must refuse, and bodies that pass the schema but break a rule behind it are refused too.
 * Each must come back as the right 4xx problem and change nothing.
 */
import {
  Big,
  type BodyRoute,
  big,
  bodyRoutes,
  type Case,
  newCoupon,
  P2,
  refusalSuite,
  UC,
  UNKNOWN,
  withField,
} from '../testing/refusals.js'

/** Just outside the bounds, a float, a numeric string, null, an array, an object, and huge numbers. */
const ints = (min: number, max: number) => [
  min - 1,
  max + 1,
  1.5,
  '5',
  null,
  [1],
  { n: 1 },
  big('1e300'),
  big('18446744073709551616'),
  big('9007199254740993'),
]
const ID = ints(1, 2 ** 53 - 1)
const MONEY = ints(0, 1_000_000_000)
const NAME = ['', 'x'.repeat(201), 1, null, ['N']]
const DATE = [
  ...['tomorrow', '2026-02-30T00:00:00Z', '2026-03-02T23:59:60Z', '2026-03-02T00:00:00', 1, null],
  ...['9999-12-31T23:59:59-00:01', '0000-01-01T00:00:00+00:01'], // past year 9999 or before year 0 in UTC
]
const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ productId: i + 1, quantity: 1 }))

/** [route, field (dot path), values]: the accepted body with that one field set; a 400 naming it. */
const fields: [BodyRoute, string, unknown[]][] = [
  ['charge', 'amount', ints(1, 1_000_000_000_000)],
  ['order', 'userId', ID],
  ['order', 'items', [[], { productId: P2, quantity: 1 }, null, 'x', lines(51)]],
  ['order', 'items.0', [P2, null, [P2, 1]]],
  ['order', 'items.0.productId', ID],
  ['order', 'items.0.quantity', ints(1, 100)], // 100 is ORDER_MAX_QUANTITY_PER_LINE's default
  ['order', 'userCouponId', ID],
  ['order', 'payment', ['CARD', 'points', '', null, 1]],
  ['issue', 'userId', ID],
  ['product', 'name', NAME],
  ['product', 'price', MONEY],
  ['product', 'stock', MONEY],
  ['patch', 'name', NAME],
  ['patch', 'price', MONEY],
  ['stock', 'delta', [0, ...ints(-1_000_000_000, 1_000_000_000)]],
  ['coupon', 'name', NAME],
  ['coupon', 'discountType', ['PERCENT', 'fixed', null, 1]],
  ['coupon', 'discountValue', ints(1, 1_000_000_000)],
  ['coupon', 'maxDiscount', MONEY],
  ['coupon', 'minOrderAmount', MONEY],
  ['coupon', 'totalQuantity', ints(1, 100_000_000)],
  ['coupon', 'validDays', ints(1, 3650)],
  ['coupon', 'issueStartsAt', DATE],
  ['coupon', 'issueEndsAt', DATE],
  ['grants', 'userIds', [[], 2, null, Array.from({ length: 10_001 }, (_, i) => i + 1)]],
  ['grants', 'userIds.0', ID],
]

const shown = (value: unknown) => {
  const text = value instanceof Big ? value.text : JSON.stringify(value)
  return text.length > 40 ? `${text.slice(0, 40)}...` : text
}

/** Bodies that pass the schema but not a rule behind it: [route, what, body, status, path or code]. */
const order = (line: object = {}, extra: object = {}) => ({
  userId: 1,
  items: [{ productId: P2, quantity: 1, ...line }],
  ...extra,
})
const rules: [BodyRoute, string, object, number, string][] = [
  ['charge', 'below POINTS_MIN_CHARGE', { amount: 999 }, 400, 'body/amount'],
  ['charge', 'above POINTS_MAX_CHARGE', { amount: 1_000_001 }, 400, 'body/amount'],
  [
    'order',
    'one product on two lines',
    { userId: 1, items: [...order().items, ...order().items] },
    400,
    'body/items',
  ],
  ['order', 'a price on a line', order({ price: 1 }), 400, 'body/items/0/price'],
  [
    'order',
    'a line without quantity',
    { userId: 1, items: [{ productId: P2 }] },
    400,
    'body/items/0/quantity',
  ],
  ['order', 'an unknown product', order({ productId: UNKNOWN }), 404, 'NOT_FOUND'],
  ['order', 'more than the shelf holds', order({ quantity: 5 }), 409, 'INSUFFICIENT_STOCK'],
  [
    'order',
    'a user coupon that does not exist',
    order({}, { userCouponId: UNKNOWN }),
    409,
    'COUPON_NOT_USABLE',
  ],
  ['order', 'the coupon the pending order holds', order({}, { userCouponId: UC }), 409, 'COUPON_NOT_USABLE'],
  ['issue', 'a coupon the user has', { userId: 1 }, 409, 'COUPON_ALREADY_ISSUED'],
  ['product', 'an id', { ...bodyRoutes.product.body, id: 99 }, 400, 'body/id'],
  ['product', 'stock_added', { ...bodyRoutes.product.body, stock_added: 99 }, 400, 'body/stock_added'],
  ['patch', 'stock, which is not patchable', { stock: 500 }, 400, 'body/stock'],
  ['stock', 'more than the shelf holds', { delta: -5 }, 409, 'STOCK_WOULD_GO_NEGATIVE'],
  [
    'coupon',
    'a RATE over 100',
    { ...newCoupon, discountType: 'RATE', discountValue: 101 },
    400,
    'body/discountValue',
  ],
  [
    'coupon',
    'a window that ends before it starts',
    { ...newCoupon, issueStartsAt: '2026-03-05T00:00:00Z', issueEndsAt: '2026-03-04T00:00:00Z' },
    400,
    'body/issueEndsAt',
  ],
  ['coupon', 'issuedQuantity', { ...newCoupon, issuedQuantity: 1 }, 400, 'body/issuedQuantity'],
]

const cases: Case[] = []
for (const [key, field, values] of fields) {
  const { method, url, who, body } = bodyRoutes[key]
  const path = `body/${field.replaceAll('.', '/')}`
  for (const value of values) {
    const name = `${key}: ${field} = ${shown(value)}`
    cases.push({ name, method, url, who, body: withField(body!, field, value), status: 400, path })
  }
}
for (const [key, what, body, status, expected] of rules) {
  const { method, url, who } = bodyRoutes[key]
  const c = { name: `${key}: ${what}`, method, url, who, body, status }
  cases.push(status === 400 ? { ...c, path: expected } : { ...c, code: expected })
}

refusalSuite('bad field values and broken rules are refused and change nothing', cases)
