/**
 * Request builders typed by the contract (`client/`, generated from openapi/v1.json): a renamed
 * path or a changed request body is a compile error here, not a wave of 404s during a rehearsal.
 */
import type { paths } from '../../client/index.js'
import type { StepRequest } from './types.js'

export type Route = Extract<keyof paths, `/api/v1/${string}`>

type JsonBody<R extends Route, M extends 'post' | 'patch'> = paths[R][M] extends {
  requestBody?: { content: { 'application/json': infer B } }
}
  ? B
  : never

/** `/api/v1/orders/{orderId}/payment` with `{ orderId: 7 }` → `/api/v1/orders/7/payment`. */
export function pathOf(route: Route, params: Record<string, string | number> = {}, query = ''): string {
  const path = route.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`${route}: missing path parameter ${name}`)
    return encodeURIComponent(String(value))
  })
  return query ? `${path}?${query}` : path
}

export const get = (
  route: Route,
  params?: Record<string, string | number>,
  opts: { query?: string; anonymous?: boolean } = {},
): StepRequest => ({
  method: 'GET',
  path: pathOf(route, params, opts.query),
  anonymous: opts.anonymous ?? false,
})

export function post<R extends Route>(
  route: R,
  params: Record<string, string | number>,
  body: JsonBody<R, 'post'> | undefined,
  opts: { idempotent?: boolean } = {},
): StepRequest {
  return { method: 'POST', path: pathOf(route, params), body, idempotent: opts.idempotent ?? false }
}
