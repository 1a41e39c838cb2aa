/**
 * Serves the built storefront (web/dist) at `/`. Files are registered one route each at start
 * (`wildcard: false`), so anything else still reaches the not-found handler: API paths keep their
 * problem+json ROUTE_NOT_FOUND, and page addresses (`/cart`, `/products/7`) get index.html, where
 * the storefront's own router takes over.
 */
import fs from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Paths the server owns; a browser asking for one of these gets the server's answer, never the page. */
const SERVER_PATHS = /^\/(api|health|metrics|docs|openapi\.json)(\/|$)/

/** Requests answered with index.html by the fallback, so metrics can tell them from unmatched calls. */
const pageRequests = new WeakSet<FastifyRequest>()

/** True when the storefront index.html exists in `dir`. */
export function storefrontBuilt(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'index.html'))
}

export async function registerStorefront(app: FastifyInstance, dir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: dir,
    wildcard: false,
    index: 'index.html',
    cacheControl: false,
    // Vite fingerprints everything under assets/, so those may be cached for good; the page itself
    // must be revalidated or a deploy would leave browsers on old asset names.
    setHeaders(reply, file) {
      const immutable = file.includes(`${path.sep}assets${path.sep}`)
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })
}

/** A browser navigating to a page of the storefront (not an API call, not a file). */
export function wantsStorefrontPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  const pathname = request.url.split('?')[0]!
  if (SERVER_PATHS.test(pathname) || path.extname(pathname) !== '') return false
  return /\btext\/html\b/.test(request.headers.accept ?? '')
}

export function sendStorefrontPage(request: FastifyRequest, reply: FastifyReply) {
  pageRequests.add(request)
  reply.header('cache-control', 'no-cache')
  return reply.type('text/html; charset=utf-8').sendFile('index.html')
}

/** For the not-found handler: the page for a browser navigation, nothing (so a problem) otherwise. */
export function storefrontFallback(request: FastifyRequest, reply: FastifyReply) {
  return wantsStorefrontPage(request) ? sendStorefrontPage(request, reply) : undefined
}

/** The metrics label: the matched route pattern, `storefront` for page fallbacks, else `unmatched`. */
export function routeLabel(request: FastifyRequest): string {
  if (!request.is404) return request.routeOptions.url ?? 'unmatched'
  return pageRequests.has(request) ? 'storefront' : 'unmatched'
}
