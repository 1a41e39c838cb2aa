import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Principal, TokenVerifier } from '../auth/index.js'
import { AppError } from '../platform/errors/index.js'
import { addRouteHook } from './route-hooks.js'

export type AccessLevel = 'public' | 'user' | 'admin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. API routes that do not say are `user`: secure by default. */
    access?: AccessLevel
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** The scheme name is case-insensitive (RFC 7235); the token is a compact JWS. */
const BEARER = /^Bearer +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/i

/** The token of a well-formed `Authorization: Bearer` header, else `undefined`. */
export const bearerToken = (header: string): string | undefined => BEARER.exec(header)?.[1]

/**
 * Authenticates before anything else runs for the route (the body is not even parsed), so an
 * anonymous caller learns nothing and costs almost nothing. Public routes carry no auth hook at all.
 */
export function registerAuth(app: FastifyInstance, verifier: TokenVerifier): void {
  app.decorateRequest('principal', null)
  app.addHook('onRoute', (route) => {
    // API routes are private unless they say otherwise; docs, health and metrics live outside /api.
    const access = route.config?.access ?? (route.url?.startsWith('/api/') ? 'user' : 'public')
    if (access === 'public') return
    addRouteHook(route, 'onRequest', 'auth', async (request: FastifyRequest) => {
      const header = request.headers.authorization
      if (!header) throw new AppError('UNAUTHORIZED', 'missing bearer token')
      const token = bearerToken(header)
      if (!token) throw new AppError('UNAUTHORIZED', 'the Authorization header must be "Bearer <JWT>"')
      request.principal = await verifier.verify(token)
      if (access === 'admin' && request.principal.role !== 'admin') {
        throw new AppError('FORBIDDEN', 'this route is for admins')
      }
    })
  })
}

/** The caller of a route whose access is `user` or `admin` (authenticated by the hook above). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHORIZED', 'missing bearer token')
  return request.principal
}
