/**
 * The admission pipeline in fastify, cheapest rejection first, all before the body is read:
 *   1. per-IP rate limit for anonymous callers (onRequest, before auth: a Map lookup);
 *   2. authentication (http/auth-hook.ts);
 *   3. per-user rate limit (onRequest, after auth);
 *   4. concurrency admission: the adaptive limit, the priority queue, deadlines, the event-loop brake;
 *   5. body parsing and validation, then a last deadline check (preHandler) before the handler.
 * Refusals are answered directly (429 RATE_LIMITED / 503 OVERLOADED with Retry-After), without
 * throwing, so a refusal costs a fraction of a served request.
 */
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { toAppError } from '../http/problem.js'
import { addRouteHook } from '../http/route-hooks.js'
import { ProblemRef } from '../http/schemas.js'
import { AppError } from '../platform/errors/index.js'
import type { Admission } from './admission.js'
import type { Ticket } from './concurrency-limiter.js'
import { type RateLimitScope, Rejection, type RejectReason } from './events.js'
import { defaultPriority, type PriorityClass } from './priority.js'
import type { RateDecision, RateLimiter } from './rate-limiter.js'
import { overloaded, rateLimitHeaders, rateLimitRefusal, refuse } from './refusal.js'
import { sendStale, serveStale } from './stale.js'

const kArrival = Symbol('floodgate.arrival')
const kTicket = Symbol('floodgate.ticket')
/** A write let through the database breaker: its outcome is reported back (`failed` once it failed). */
const kBreaker = Symbol('floodgate.breaker')

declare module 'fastify' {
  interface FastifyRequest {
    [kArrival]?: number
    [kTicket]?: Ticket
    [kBreaker]?: 'pending' | 'failed'
  }
}

/** Only the API is admitted: health, metrics, docs and the storefront's files stay reachable. */
const admitted = (route: RouteOptions) => Boolean(route.url?.startsWith('/api/'))

/** The class of a route: declared in its config, else by method. */
export function priorityOf(route: Pick<RouteOptions, 'method' | 'config'>): PriorityClass {
  const declared = (route.config as { priority?: PriorityClass } | undefined)?.priority
  return declared ?? defaultPriority(([] as string[]).concat(route.method)[0]!)
}

/**
 * Step 0, the door: a request that already waited too long in front of this process (the load
 * balancer's stamp says how long, request-start.ts) is refused before anything else runs. Step 1:
 * anonymous callers are limited per IP.
 */
export function registerClientLimit(
  app: FastifyInstance,
  admission: Admission,
  arrivalOf: (req: IncomingMessage) => number = () => admission.clock.now(),
): void {
  app.addHook('onRoute', (route) => {
    if (!admitted(route)) return
    const isPublic = route.config?.access === 'public'
    const priority = priorityOf(route)
    addRouteHook(route, 'onRequest', 'admission-ip', async (request: FastifyRequest, reply: FastifyReply) => {
      const arrival = arrivalOf(request.raw)
      request[kArrival] = arrival
      const waited = admission.waitedTooLong(priority, arrival)
      if (waited) {
        admission.emit({ type: 'rejected', reason: waited, priority })
        return refuseOrStale(admission, route, priority, request, reply, waited)
      }
      const limiter = admission.ipLimiter
      // A caller with a token on a private route is limited as its user once the token is verified.
      if (!limiter || (!isPublic && request.headers.authorization)) return
      return limit(admission, limiter, 'ip', request.ip, reply)
    })
  })
}

/** A refusal; for a catalog read the server has no room for, its last good answer instead of a 503. */
function refuseOrStale(
  admission: Admission,
  route: RouteOptions,
  priority: PriorityClass,
  request: FastifyRequest,
  reply: FastifyReply,
  reason: RejectReason,
) {
  const served = route.config?.stale ? sendStale(request, reply, admission, 'overloaded') : undefined
  if (served) {
    admission.emit({ type: 'stale', priority })
    return served
  }
  return refuse(reply, overloaded[reason])
}

/** Steps 3 to 5: per-user limit, concurrency admission, the last deadline check, and release. */
export function registerAdmission(app: FastifyInstance, admission: Admission): void {
  app.addHook('onRoute', (route) => {
    if (!admitted(route)) return
    serveStale(route, admission)
    const priority = priorityOf(route)
    const facts = {
      route: route.url,
      access: route.config?.access ?? 'user',
      priority,
      alias: Boolean(route.config?.alias),
    }
    for (const method of ([] as string[]).concat(route.method)) {
      admission.routes.set(`${method} ${route.url}`, priority)
      admission.routeTable.add(method, route.url, facts)
    }
    declareRefusals(route)
    addRouteHook(route, 'onRequest', 'admission', async (request: FastifyRequest, reply: FastifyReply) => {
      const user = request.principal?.userId
      const arrival = request[kArrival] ?? admission.clock.now()
      // Operators are not throttled like shoppers: seeding a sale or granting compensation to
      // thousands of users is their job. They still pass the concurrency limit below.
      if (admission.userLimiter && user !== undefined && request.principal?.role !== 'admin') {
        // A request the limiter refuses anyway is refused before the limit's Redis round trip.
        try {
          admission.limiter.precheck(priority)
        } catch (error) {
          if (error instanceof Rejection)
            return refuseOrStale(admission, route, priority, request, reply, error.reason)
          throw error
        }
        const refused = await limit(admission, admission.userLimiter, 'user', String(user), reply)
        if (refused) return refused
      }
      try {
        const pending = admission.limiter.acquire(priority, arrival + admission.config.deadlineMs)
        request[kTicket] = pending instanceof Promise ? await pending : pending
      } catch (error) {
        if (error instanceof Rejection)
          return refuseOrStale(admission, route, priority, request, reply, error.reason)
        throw error
      }
      // 'close' also fires when the client went away, when fastify's onResponse never runs; a write
      // whose client left says nothing about the database, so it neither opens nor closes the breaker.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished && request[kBreaker] === 'pending') {
          request[kBreaker] = undefined
          admission.database.abandon()
        }
        releaseTicket(admission, request)
      })
      if (request.method === 'GET' || request.method === 'HEAD') return
      // Writes need the database; while it is known to be down they fail fast instead of waiting.
      if (!admission.database.allow()) {
        releaseTicket(admission, request)
        return refuse(reply, databaseDown)
      }
      request[kBreaker] = 'pending'
    })
    addRouteHook(
      route,
      'preHandler',
      'admission-deadline',
      async (request: FastifyRequest, reply: FastifyReply) => {
        const arrival = request[kArrival]
        if (arrival === undefined || admission.clock.now() < arrival + admission.config.deadlineMs) return
        admission.emit({ type: 'rejected', reason: 'deadline', priority })
        releaseTicket(admission, request)
        return refuse(reply, overloaded.deadline)
      },
    )
  })
  app.addHook('onResponse', async (request) => releaseTicket(admission, request))
  // Any request that found the database away counts against the breaker; only writes prove it back.
  app.addHook('onError', async (request, _reply, error) => {
    if (toAppError(error).code !== 'DATABASE_UNAVAILABLE') return
    admission.database.failure()
    if (request[kBreaker]) request[kBreaker] = 'failed'
  })
}

function releaseTicket(admission: Admission, request: FastifyRequest): void {
  const ticket = request[kTicket]
  if (ticket) {
    const signal = request.routeOptions.config?.batched
      ? undefined
      : (request.routeOptions.url ?? 'unmatched')
    admission.limiter.release(ticket, signal)
  }
  const outcome = request[kBreaker]
  if (!outcome) return
  request[kBreaker] = undefined
  if (outcome === 'pending') admission.database.success()
}

const databaseDown = new AppError(
  'DATABASE_UNAVAILABLE',
  'the database is failing; writes are refused for a few seconds instead of waiting for it',
  { retryAfterSeconds: 5 },
)

async function limit(
  admission: Admission,
  limiter: RateLimiter,
  scope: RateLimitScope,
  key: string,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const taken = limiter.take(key)
  const decision: RateDecision = taken instanceof Promise ? await taken : taken
  reply.headers(rateLimitHeaders(decision))
  if (decision.allowed) return undefined
  admission.emit({ type: 'rate_limited', scope })
  return refuse(reply, rateLimitRefusal(scope, decision))
}

/** The contract says where 429 and 503 can come from: every admitted operation. */
function declareRefusals(route: RouteOptions): void {
  const schema = route.schema as { response?: Record<string, unknown>; hide?: boolean } | undefined
  if (!schema?.response || schema.hide) return
  schema.response = { ...schema.response, 429: ProblemRef, 503: ProblemRef }
}
