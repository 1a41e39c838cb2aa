/**
 * The storefront's only way to the API: the typed client generated from the contract (client/),
 * with the busy-retry policy (busy-retry.ts) on every call and the session's token on every
 * request. A renamed path or field in the contract is a compile error here.
 */
import { type components, createFloodgateClient } from '../../client/index'
import { isLegacyBase, toApiUrl } from './api-base'
import { defaultBusyRetryPolicy, sendWithBusyRetry } from './busy-retry'
import { currentSession } from './session'
import { createStore } from './store'

export type Product = { id: number; name: string; price: number; stock: number }
export type Problem = components['schemas']['Problem']

/**
 * Where the API lives, version prefix included: `/api/v1` on the same origin by default, or any URL
 * (`VITE_API_URL=https://api.shop.example/api/v1`). `/api` builds what an old storefront did: the
 * unversioned paths and the since-renamed ones, which the server keeps serving as aliases.
 */
const apiBase = new URL((import.meta.env.VITE_API_URL || '/api/v1').replace(/\/$/, ''), location.href)
export const legacyPaths = isLegacyBase(apiBase)

/** What the busy banner shows: set while a call waits to retry, cleared when it is answered. */
export const busy = createStore<{ retryInMs: number } | null>(null)

/** Re-addresses a client request to `apiBase` (api-base.ts). */
async function toApiBase(request: Request): Promise<Request> {
  const target = toApiUrl(request.url, apiBase)
  // Bodies are copied as bytes: re-wrapping a streaming body would need `duplex`, and these are small.
  const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer()
  return new Request(target, {
    method: request.method,
    headers: request.headers,
    body,
    signal: request.signal,
  })
}

/** Calls waiting out a busy answer right now; the banner stays until the last of them is answered. */
let waiting = 0

async function send(request: Request): Promise<Response> {
  let waited = false
  return sendWithBusyRetry(
    await toApiBase(request),
    (r) => fetch(r),
    {
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      now: Date.now,
      onBusy: ({ delayMs }) => {
        if (!waited) waiting++
        waited = true
        busy.set({ retryInMs: delayMs })
      },
      onSettled: () => {
        if (waited && --waiting === 0) busy.set(null)
      },
    },
    defaultBusyRetryPolicy,
  )
}

export const api = createFloodgateClient({
  baseUrl: location.origin,
  // openapi-fetch always hands over a Request.
  fetch: (input) => send(input instanceof Request ? input : new Request(input)),
})
api.use({
  onRequest({ request }) {
    const s = currentSession()
    if (s) request.headers.set('authorization', `Bearer ${s.token}`)
    return request
  },
})

/** A refusal from the API, by its stable code (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail)
  }
}

/** The data of a successful answer, or an ApiError carrying the problem's code. */
export async function ok<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await pending
  } catch {
    throw new ApiError(0, 'NETWORK', 'The shop cannot be reached. Check your connection and try again.')
  }
  if (result.error !== undefined || result.data === undefined) {
    const problem = (result.error ?? {}) as Partial<Problem>
    throw new ApiError(result.response.status, problem.code ?? 'UNKNOWN', problem.detail ?? 'Request failed')
  }
  return result.data
}

/** A fresh Idempotency-Key: one per user action, reused by every retry of that action. */
export const newIdempotencyKey = () => crypto.randomUUID()

/** Top sellers; an old build asked the since-renamed `/api/products/popular`. */
export function topProducts(days: number, limit: number) {
  return legacyPaths
    ? ok(api.GET('/api/products/popular', { params: { query: { days, limit } } }))
    : ok(api.GET('/api/v1/products/top', { params: { query: { days, limit } } }))
}

/** Charges points; an old build used `POST /api/points/charge {userId, amount}`. */
export function chargePoints(userId: number, amount: number, key: string) {
  const header = { 'idempotency-key': key }
  return legacyPaths
    ? ok(api.POST('/api/points/charge', { params: { header }, body: { userId, amount } }))
    : ok(
        api.POST('/api/v1/points/users/{userId}/charge', {
          params: { path: { userId }, header },
          body: { amount },
        }),
      )
}

/** Words a shopper understands, by the API's stable codes. */
export function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.'
  switch (error.code) {
    case 'INSUFFICIENT_STOCK':
      return 'Sold out: there is not enough stock left for this order. Your cart is unchanged and nothing was charged.'
    case 'COUPON_SOLD_OUT':
      return 'That coupon is all gone: every copy has been claimed.'
    case 'COUPON_ALREADY_ISSUED':
      return 'You already have this coupon.'
    case 'COUPON_NOT_ISSUABLE':
      return 'This coupon cannot be claimed right now.'
    case 'COUPON_NOT_USABLE':
      return 'This coupon cannot be used for this order (used, expired, or the order is below its minimum).'
    case 'INSUFFICIENT_POINTS':
      return 'Not enough points. Charge your wallet and try again.'
    case 'POINTS_LIMIT_EXCEEDED':
      return 'That charge would take your balance above the maximum.'
    case 'ORDER_NOT_CANCELLABLE':
      return 'This order can no longer be cancelled.'
    case 'UNAUTHORIZED':
      return 'Your session has ended. Please sign in again.'
    case 'DEMO_SIGN_IN_DISABLED':
      return 'Demo sign-in is not offered by this shop.'
    case 'VALIDATION_FAILED':
      return `Please check the form: ${error.message}`
    case 'NETWORK':
      return error.message
    default:
      if (error.status === 429 || error.status === 503)
        return 'The shop is very busy right now. Please try again in a moment.'
      return error.message
  }
}
