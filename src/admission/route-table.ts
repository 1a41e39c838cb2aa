/**
 * The admitted API routes as the edge (edge.ts) needs them: which route a raw URL reaches, who may
 * call it and its class, before fastify has routed anything. Filled from the same `onRoute` events
 * as the hooks, with fastify's own router (find-my-way) and the router options app.ts gives fastify,
 * so a URL reaches here the route it reaches there.
 */
import FindMyWay, { type HTTPVersion } from 'find-my-way'
import type { AccessLevel } from '../http/auth-hook.js'
import type { PriorityClass } from './priority.js'

export interface RouteFacts {
  /** The route's pattern: the metrics label fastify gives its answers. */
  route: string
  access: AccessLevel
  priority: PriorityClass
  /** A deprecated alias: its answers carry headers its own hooks add, so the edge leaves it alone. */
  alias: boolean
}

export class RouteTable {
  private readonly router = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true, maxParamLength: 200 })

  add(method: string, url: string, facts: RouteFacts): void {
    if (this.router.hasRoute(method as never, url)) return
    this.router.on(method as never, url, noop, facts)
  }

  /** The route `method` and `url` (with or without its query) reach, if it is an admitted one. */
  find(method: string, url: string): RouteFacts | undefined {
    try {
      return (this.router.find(method as never, url)?.store as RouteFacts | undefined) ?? undefined
    } catch {
      // A URL the router cannot decode: fastify answers it (400), not the edge.
      return undefined
    }
  }
}

const noop = () => {}
