/**
 * The typed Floodgate client. Its types are generated from the committed contract
 * (openapi/v1.json → schema.d.ts by `npm run spec`), so a renamed path or field is a compile error
 * in every consumer (smoke test, load tester, storefront), not a 404 in production.
 */
import createClient, { type Client } from 'openapi-fetch'
import type { paths } from './schema.js'

export type { components, paths } from './schema.js'
export type FloodgateClient = Client<paths>

export interface ClientOptions {
  baseUrl: string
  token?: string
  fetch?: typeof fetch
}

export function createFloodgateClient(opts: ClientOptions): FloodgateClient {
  return createClient<paths>({
    baseUrl: opts.baseUrl.replace(/\/$/, ''),
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  })
}
