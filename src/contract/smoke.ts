/**
 * The after-deploy smoke test: every documented read endpoint and one safe write journey (an
 * order held for later payment, then cancelled: stock and coupon come back, no points move)
 * against a live deployment, each answer validated against the committed contract.
 */
import { randomUUID } from 'node:crypto'
import { createFloodgateClient } from '../../client/index.js'
import { createResponseValidator } from './response-validator.js'

export interface SmokeCheck {
  name: string
  status: number | 'error'
  ms: number
  ok: boolean
  problems: string[]
}

type Spec = Parameters<typeof createResponseValidator>[0] & {
  paths: Record<string, Record<string, { security?: unknown[] }>>
}

export interface SmokeOptions {
  target: string
  spec: Spec
  /** A customer token: enables the user-scoped reads and the write journey. */
  token?: string
}

const subjectOf = (token: string) =>
  Number(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).sub)

export async function runSmoke(opts: SmokeOptions): Promise<SmokeCheck[]> {
  const base = opts.target.replace(/\/$/, '')
  const validate = createResponseValidator(opts.spec)
  const checks: SmokeCheck[] = []
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {}

  async function check(method: string, path: string, init: RequestInit = {}): Promise<unknown> {
    const started = performance.now()
    try {
      const res = await fetch(`${base}${path}`, { method, ...init, headers: { ...auth, ...init.headers } })
      const body = await res.text()
      const problems = validate(
        method,
        path,
        res.status,
        res.headers.get('content-type') ?? undefined,
        body,
      ) ?? ['not in the contract']
      if (res.status >= 400) problems.push(`answered ${res.status}: ${body.slice(0, 160)}`)
      checks.push({
        name: `${method} ${path}`,
        status: res.status,
        ms: performance.now() - started,
        ok: problems.length === 0,
        problems,
      })
      return body && res.headers.get('content-type')?.includes('json') ? JSON.parse(body) : undefined
    } catch (error) {
      checks.push({
        name: `${method} ${path}`,
        status: 'error',
        ms: performance.now() - started,
        ok: false,
        problems: [String(error)],
      })
      return undefined
    }
  }

  // Ids to fill the paths with, from the deployment itself.
  const products = (await check('GET', '/api/v1/products?limit=20')) as
    | { items?: { id: number; stock: number }[] }
    | undefined
  const product = products?.items?.find((p) => p.stock > 0) ?? products?.items?.[0]
  const coupons = (await check('GET', '/api/v1/coupons')) as { items?: { id: number }[] } | undefined
  const ids: Record<string, number | undefined> = {
    productId: product?.id,
    couponId: coupons?.items?.[0]?.id,
  }

  // The write journey, through the typed client the storefront uses.
  let orderId: number | undefined
  if (opts.token && product) {
    const userId = subjectOf(opts.token)
    ids['userId'] = userId
    const client = createFloodgateClient({ baseUrl: base, token: opts.token })
    const started = performance.now()
    const placed = await client.POST('/api/v1/orders', {
      body: { userId, items: [{ productId: product.id, quantity: 1 }], payment: 'LATER' },
      params: { header: { 'idempotency-key': `smoke-${randomUUID()}` } },
    })
    orderId = placed.data?.id
    checks.push({
      name: 'POST /api/v1/orders (LATER, journey)',
      status: placed.response.status,
      ms: performance.now() - started,
      ok: placed.response.status === 201 && placed.data?.status === 'PENDING_PAYMENT',
      problems: placed.error ? [JSON.stringify(placed.error).slice(0, 160)] : [],
    })
    ids['orderId'] = orderId
  }

  for (const [template, ops] of Object.entries(opts.spec.paths)) {
    if (!ops['get'] || template.includes('/admin/') || template === '/api/v1/products') continue
    if (template === '/api/v1/coupons') continue
    const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)
    if (names.some((n) => ids[n] === undefined)) continue
    const needsToken = names.includes('userId') || names.includes('orderId')
    if (needsToken && !opts.token) continue
    await check(
      'GET',
      template.replace(/\{(\w+)\}/g, (_, n: string) => String(ids[n])),
    )
  }

  if (orderId !== undefined) {
    await check('POST', `/api/v1/orders/${orderId}/cancel`, {
      headers: { 'idempotency-key': `smoke-${randomUUID()}` },
    })
  }
  return checks
}

export function formatChecks(checks: SmokeCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length), 10)
  const rows = checks.map(
    (c) =>
      `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${String(c.status).padStart(5)}  ${c.ms.toFixed(0).padStart(5)} ms${
        c.ok ? '' : `\n        ${c.problems.join('\n        ')}`
      }`,
  )
  const failed = checks.filter((c) => !c.ok).length
  return `${rows.join('\n')}\n\n${failed === 0 ? 'smoke ok' : 'SMOKE FAILED'}: ${checks.length - failed} of ${checks.length} checks ok\n`
}
