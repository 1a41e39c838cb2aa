/**
 * Old paths keep working. Every alias lives in this file: the named ones (paths a release
 * renamed) and the rule that every `/api/v1/...` route also answers at `/api/...`. An alias is
 * served directly by its successor's handler (no redirect) and answers with `Deprecation`
 * (RFC 9745), `Sunset` (RFC 8594) and `Link: <successor>; rel="successor-version"`. Policy and
 * changelog: docs/api-changes.md.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { type TSchema, Type } from 'typebox'
import type { Metrics } from '../observability/index.js'
import type { Clock } from '../platform/clock/index.js'
import { HOUR } from '../platform/clock/index.js'
import { Id } from './schemas.js'

export interface NamedAlias {
  /** Stable name, used as the metric label. */
  name: string
  method: 'GET' | 'POST'
  path: string
  /** The v1 route (pattern) that serves it. */
  successor: string
  /** When the path was deprecated (the `Deprecation` header). */
  deprecatedAt: string
  /** The alias's own body schema when its body differs from the successor's. */
  body?: TSchema
  /** Maps an alias request onto the successor's params and body (after validation). */
  adapt?: (request: FastifyRequest) => void
}

export const namedAliases: NamedAlias[] = [
  {
    name: 'products-popular',
    method: 'GET',
    path: '/api/products/popular',
    successor: '/api/v1/products/top',
    deprecatedAt: '2026-11-25T00:00:00Z',
  },
  {
    name: 'points-charge',
    method: 'POST',
    path: '/api/points/charge',
    successor: '/api/v1/points/users/:userId/charge',
    deprecatedAt: '2026-11-25T00:00:00Z',
    body: Type.Object(
      { userId: Id, amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 }) },
      { additionalProperties: false },
    ),
    adapt(request) {
      const { userId, ...rest } = request.body as { userId: number; amount: number }
      request.params = { userId }
      request.body = rest
    },
  },
]

/** The unversioned spelling of every v1 path. */
export const UNVERSIONED = { name: 'unversioned', deprecatedAt: '2026-11-25T00:00:00Z' }

interface AliasConfig {
  name: string
  successor: string
  deprecatedAt: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on alias routes: which alias, and its successor. */
    alias?: AliasConfig
  }
}

const kAlias = Symbol('floodgate.alias')

/** The successor URL for this request: the pattern with the request's own params filled in. */
function successorUrl(request: FastifyRequest, pattern: string): string {
  const params = (request.params ?? {}) as Record<string, unknown>
  return pattern.replace(/:(\w+)/g, (_, name: string) =>
    params[name] === undefined ? `{${name}}` : String(params[name]),
  )
}

export interface AliasOptions {
  /** RFC 8594 Sunset date for every alias. */
  sunset: Date
  metrics: Metrics
  clock: Clock
}

/**
 * Registers the aliases as routes cloned from their successors as those are declared (so they
 * share handler, guards and response schemas), and the hook that marks their answers.
 */
export function registerAliases(app: FastifyInstance, opts: AliasOptions): void {
  const loggedAt = new Map<string, number>()

  app.addHook('onRoute', function (route: RouteOptions & { custom?: Record<symbol, boolean> }) {
    if (route.custom?.[kAlias] || !route.url?.startsWith('/api/v1/')) return
    const methods = ([] as string[]).concat(route.method)
    // Fastify derives HEAD from GET itself, for the clones too.
    if (methods.every((m) => m === 'HEAD')) return
    const clone = (
      url: string,
      alias: AliasConfig,
      schema: Record<string, unknown>,
      preHandler?: NamedAlias['adapt'],
    ) => {
      const hooks = ([] as unknown[]).concat(route.preHandler ?? [])
      const base = { ...(route.schema as Record<string, unknown>) }
      // An alias with its own body takes its parameters from that body, not the path.
      if (schema['body']) delete base['params']
      this.route({
        ...route,
        url,
        custom: { [kAlias]: true },
        config: { ...(route.config as object), alias },
        onSend: [...([] as unknown[]).concat(route.onSend ?? []), markDeprecated],
        schema: { ...base, ...schema },
        ...(preHandler ? { preHandler: [...hooks, async (req: FastifyRequest) => preHandler(req)] } : {}),
      } as RouteOptions)
    }
    clone(
      `/api/${route.url.slice('/api/v1/'.length)}`,
      { name: UNVERSIONED.name, successor: route.url, deprecatedAt: UNVERSIONED.deprecatedAt },
      { hide: true },
    )
    for (const alias of namedAliases) {
      if (alias.successor !== route.url || !methods.includes(alias.method)) continue
      const schema: Record<string, unknown> = {
        deprecated: true,
        summary: `Deprecated alias of ${alias.method} ${alias.successor.replace(/:(\w+)/g, '{$1}')}`,
      }
      if (alias.body) schema['body'] = alias.body
      clone(
        alias.path,
        { name: alias.name, successor: alias.successor, deprecatedAt: alias.deprecatedAt },
        schema,
        alias.adapt,
      )
    }
  })

  /** Marks an alias's answer deprecated, counts it, and logs it once per client and hour. */
  const markDeprecated = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const alias = request.routeOptions.config.alias!
    const successor = successorUrl(request, alias.successor)
    reply.header('deprecation', `@${Math.floor(Date.parse(alias.deprecatedAt) / 1000)}`)
    reply.header('sunset', opts.sunset.toUTCString())
    reply.header('link', `<${successor}>; rel="successor-version"`)
    opts.metrics.deprecatedAliasRequests.inc({ alias: alias.name })
    const client = request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`
    const key = `${client}|${alias.name}`
    const now = opts.clock.now()
    const last = loggedAt.get(key)
    if (last === undefined || now - last >= HOUR) {
      if (loggedAt.size >= 10_000) loggedAt.clear()
      loggedAt.set(key, now)
      request.log.warn(
        { alias: alias.name, path: request.url.split('?')[0], successor, client },
        'deprecated alias used',
      )
    }
    return payload
  }
}
