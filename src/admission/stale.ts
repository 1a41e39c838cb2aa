/**
 * Stale-if-error for the catalog (RFC 5861's idea, in the server): routes that declare
 * `config.stale: true` keep their last good answer per URL; while the database breaker is open, or
 * when a read fails because the database is unavailable or saturated (pool acquire timeout), or
 * when admission would refuse the read (overload), the last good answer is served instead, marked
 * with `Age` and `Floodgate-Stale`. A shop showing minutes-old stock sells; a shop showing errors
 * does not, and a stored answer costs no more to send than a refusal. Orders check live stock, so
 * a stale page never oversells. The store is bounded (least recently used URLs are dropped), and an
 * answer is never older than `maxAgeMs`.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { errorHandler, toAppError } from '../http/problem.js'
import { addRouteHook } from '../http/route-hooks.js'
import type { Admission } from './admission.js'
import { defaultPriority } from './priority.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Serve the last good answer while the database is unavailable (catalog reads). */
    stale?: boolean
  }
}

export interface Stored {
  body: string
  type: string
  at: number
  /** The route's pattern (metrics label). */
  route: string
  /**
   * Whether the edge (edge.ts) may send it before fastify runs: a public, sheddable route under its
   * own name (the edge applies browsing's admission rule; a deprecated alias's answer carries
   * headers its hooks add).
   */
  edge: boolean
}

const kServedStale = Symbol('floodgate.stale')

export class StaleStore {
  private readonly answers = new Map<string, Stored>()
  constructor(
    private readonly now: () => number,
    private readonly maxEntries = 1_000,
    private readonly maxAgeMs = 10 * 60_000,
  ) {}

  put(url: string, answer: Omit<Stored, 'at'>): void {
    this.answers.delete(url)
    this.answers.set(url, { ...answer, at: this.now() })
    if (this.answers.size > this.maxEntries) this.answers.delete(this.answers.keys().next().value!)
  }

  get(url: string): Stored | undefined {
    const stored = this.answers.get(url)
    return stored && this.now() - stored.at <= this.maxAgeMs ? stored : undefined
  }
}

/** Wires stale answers into one route (called from the admission's onRoute listener). */
export function serveStale(route: RouteOptions, admission: Admission): void {
  if (!route.config?.stale) return
  const store = admission.stale
  // Per route, not per answer: the edge may send a public, sheddable route's answers under its own name.
  const label = route.url!
  const edge =
    route.config.access === 'public' &&
    !route.config.alias &&
    (route.config.priority ?? defaultPriority('GET')) === 'sheddable'
  addRouteHook(
    route,
    'onSend',
    'stale-store',
    async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const served = request as FastifyRequest & { [kServedStale]?: boolean }
      if (reply.statusCode === 200 && typeof payload === 'string' && !served[kServedStale]) {
        store.put(request.url, {
          body: payload,
          type: String(reply.getHeader('content-type') ?? 'application/json'),
          route: label,
          edge,
        })
      }
      return payload
    },
  )
  // Before any work: with the breaker open the database would only make the reader wait.
  addRouteHook(route, 'onRequest', 'stale-open', async (request: FastifyRequest, reply: FastifyReply) => {
    if (admission.database.state !== 'open') return
    return sendStale(request, reply, admission, 'database unavailable')
  })
  route.errorHandler = (error, request, reply) => {
    if (
      toAppError(error).code === 'DATABASE_UNAVAILABLE' &&
      sendStale(request, reply, admission, 'database unavailable')
    )
      return
    return errorHandler(error, request, reply)
  }
}

/** Sends the stored answer for this URL, if there is one; undefined otherwise. */
export function sendStale(
  request: FastifyRequest,
  reply: FastifyReply,
  admission: Admission,
  why: 'database unavailable' | 'overloaded',
) {
  const stored = admission.stale.get(request.url)
  if (!stored) return undefined
  ;(request as FastifyRequest & { [kServedStale]?: boolean })[kServedStale] = true
  return reply
    .code(200)
    .header('content-type', stored.type)
    .header('age', ageOf(stored, admission))
    .header('floodgate-stale', why)
    .send(stored.body)
}

/** The `Age` header of a stored answer: whole seconds since it was stored. */
export function ageOf(stored: Stored, admission: Admission): string {
  return String(Math.max(0, Math.floor((admission.clock.now() - stored.at) / 1000)))
}
