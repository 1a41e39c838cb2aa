/**
 * The edge: answers decided without fastify, sent on Node's raw `request` event before fastify
 * builds a request and a reply, routes, and runs its hooks.
 *
 * In a sale most answers are catalog reads the server has no room for (each gets its last good
 * answer, stale.ts) and refusals of clients over their rate limit. Sent through fastify, either
 * costs most of what a served read costs: the routing, a dozen hooks, the reply and its onSend and
 * onResponse hooks. That CPU is what checkout needs. The edge sends the same answer with the same
 * headers, counts it in the same metrics, and skips the rest (`npm run bench:admission` measures
 * both ways). It answers only when fastify would give the same answer:
 *  - a stale catalog read: a GET of a URL whose stored answer is from a public route under its own
 *    name, while the database breaker is open or admission would refuse browsing at once (the
 *    event-loop brake, or an overload that leaves browsing no slot); after the per-IP limit, as
 *    step 1 applies it (a 429 when it refuses);
 *  - a 429 to a client whose refusal is known without asking anyone (rate-limiter.ts,
 *    `knownRefusal`): by IP on a public route or without a token, as step 1 limits those; by user
 *    on a private route when the token was verified before (`TokenVerifier.remembered`) and
 *    admission would not refuse the request first (step 3 checks that before the user's limit).
 *  - a request that waited too long in front of this process (`Admission.waitedTooLong`, by the
 *    load balancer's stamp: request-start.ts): its route's last good answer if it has one, as
 *    above, else the 503 fastify's first hook would send.
 * Anything else goes to fastify untouched: unknown paths, aliases, admins, tokens not seen yet. The
 * edge decides before it counts anything, so a request it passes on has been counted nowhere. Its
 * answers are not logged one by one (a log line would cost as much as the answer); the metrics
 * count them.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { TokenVerifier } from '../auth/index.js'
import { bearerToken } from '../http/auth-hook.js'
import type { Admission } from './admission.js'
import type { RateLimitScope } from './events.js'
import type { RateDecision } from './rate-limiter.js'
import { overloaded, rateLimitHeaders, rateLimitRefusal, refusalBody, retryAfter } from './refusal.js'
import { ageOf, type Stored } from './stale.js'

/** What fastify sends for `reply.type('application/problem+json')` with a string body. */
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

export interface EdgeOptions {
  admission: Admission
  /** The client's address behind trusted proxies: the rule fastify's `request.ip` follows. */
  clientIp: (req: IncomingMessage) => string
  /** The request id, as fastify's `genReqId` makes it. */
  requestId: (req: IncomingMessage) => string
  /** The HTTP request metrics (`Metrics.observeRequest`). */
  observe: (method: string, route: string, status: number, seconds: number) => void
  /** Tokens verified before; without it, the edge refuses no user by their limit. */
  verifier?: Pick<TokenVerifier, 'remembered'>
  /** When the request arrived (request-start.ts); without it, now: nobody waited. */
  arrival?: (req: IncomingMessage) => number
}

/** Wraps fastify's handler: the edge answers what it can, fastify the rest. */
export function withEdge(o: EdgeOptions, next: Handler): Handler {
  const { admission } = o
  const refuseKnown = knownRefusals(o)
  const refuseLate = lateRefusals(o)
  return (req, res) => {
    if (refuseLate(req, res)) return
    const stored = req.method === 'GET' ? admission.stale.get(req.url ?? '') : undefined
    const open = stored?.edge && admission.database.state === 'open'
    const reason = stored?.edge && !open ? admission.limiter.refusal('sheddable') : undefined
    if (!stored?.edge || (!open && !reason)) {
      if (!refuseKnown(req, res)) next(req, res)
      return
    }
    const started = performance.now()
    const answer = (decision: RateDecision | undefined) => {
      if (decision && !decision.allowed)
        return sendRateLimited(o, req, res, 'ip', decision, stored.route, started)
      const headers: OutgoingHttpHeaders = {
        'x-request-id': o.requestId(req),
        ...(decision ? rateLimitHeaders(decision) : {}),
      }
      if (reason) {
        admission.emit({ type: 'rejected', reason, priority: 'sheddable' })
        admission.emit({ type: 'stale', priority: 'sheddable' })
      }
      sendStored(res, headers, stored, admission, open ? 'database unavailable' : 'overloaded')
      o.observe('GET', stored.route, 200, (performance.now() - started) / 1000)
    }
    const limiter = admission.ipLimiter
    if (!limiter) return answer(undefined)
    const taken = limiter.take(o.clientIp(req))
    if (!(taken instanceof Promise)) return answer(taken)
    // A limiter that failed counted nothing: fastify takes the request as if the edge were not there.
    taken.then(answer, () => next(req, res))
  }
}

/**
 * The door (hooks.ts, `registerClientLimit`) before fastify: a request that waited too long gets
 * the stale answer or the 503 fastify's first hook would give it. Returns false, having sent
 * nothing, for a fresh request (all of them without a balancer's stamp) and any it leaves to fastify.
 */
function lateRefusals(o: EdgeOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { admission, arrival } = o
  if (!arrival) return () => false
  // Nothing waits less than this and is refused: a fresh request costs one header look-up.
  const shortest = Math.min(admission.config.queueTimeoutMs, admission.config.deadlineMs)
  return (req, res) => {
    const now = admission.clock.now()
    const at = arrival(req)
    if (now - at < shortest) return false
    const url = req.url ?? '/'
    const route = url.startsWith('/api/') ? admission.routeTable.find(req.method ?? 'GET', url) : undefined
    if (!route || route.alias) return false
    const reason = admission.waitedTooLong(route.priority, at, now)
    if (!reason) return false
    const started = performance.now()
    const stored = req.method === 'GET' ? admission.stale.get(url) : undefined
    if (stored && !stored.edge) return false
    admission.emit({ type: 'rejected', reason, priority: route.priority })
    const headers: OutgoingHttpHeaders = { 'x-request-id': o.requestId(req) }
    if (stored) {
      admission.emit({ type: 'stale', priority: route.priority })
      sendStored(res, headers, stored, admission, 'overloaded')
      o.observe('GET', route.route, 200, (performance.now() - started) / 1000)
      return true
    }
    const error = overloaded[reason]
    headers['retry-after'] = retryAfter(error)
    send(res, error.status, headers, PROBLEM_TYPE, refusalBody(error, url))
    o.observe(req.method ?? 'GET', route.route, error.status, (performance.now() - started) / 1000)
    return true
  }
}

/**
 * A 429 for a client whose refusal is known without I/O, as fastify's hooks would answer it
 * (hooks.ts, steps 1 to 3). Returns false, having sent nothing, for any request it leaves to them.
 */
function knownRefusals(o: EdgeOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { admission } = o
  const { ipLimiter, userLimiter } = admission
  // Every request fastify serves passes through here first: with no limits there is nothing to do.
  if (!ipLimiter && !userLimiter) return () => false
  return (req, res) => {
    if (req.method === 'HEAD') return false
    const url = req.url ?? '/'
    if (!url.startsWith('/api/')) return false
    const route = admission.routeTable.find(req.method ?? 'GET', url)
    if (!route || route.alias || route.access === 'admin') return false
    let scope: RateLimitScope = 'ip'
    let decision: RateDecision | undefined
    const header = req.headers.authorization
    if (route.access === 'public' || !header) {
      decision = ipLimiter?.knownRefusal(o.clientIp(req))
    } else {
      const token = userLimiter && bearerToken(header)
      const principal = token ? o.verifier?.remembered(token) : undefined
      // Admins are not limited; a request admission refuses first gets its 503 from fastify.
      if (!principal || principal.role === 'admin') return false
      scope = 'user'
      decision = userLimiter?.knownRefusal(String(principal.userId))
      if (decision && admission.limiter.refusal(route.priority)) return false
    }
    if (!decision) return false
    sendRateLimited(o, req, res, scope, decision, route.route, performance.now())
    return true
  }
}

/** The 429 of a refused decision, with the headers fastify's hooks send and counted as they count it. */
function sendRateLimited(
  o: EdgeOptions,
  req: IncomingMessage,
  res: ServerResponse,
  scope: RateLimitScope,
  decision: RateDecision,
  route: string,
  started: number,
): void {
  o.admission.emit({ type: 'rate_limited', scope })
  const error = rateLimitRefusal(scope, decision)
  const headers: OutgoingHttpHeaders = {
    'x-request-id': o.requestId(req),
    ...rateLimitHeaders(decision),
    'retry-after': retryAfter(error),
  }
  send(res, error.status, headers, PROBLEM_TYPE, refusalBody(error, req.url ?? '/'))
  o.observe(req.method ?? 'GET', route, error.status, (performance.now() - started) / 1000)
}

function sendStored(
  res: ServerResponse,
  headers: OutgoingHttpHeaders,
  stored: Stored,
  admission: Admission,
  why: 'database unavailable' | 'overloaded',
): void {
  headers['age'] = ageOf(stored, admission)
  headers['floodgate-stale'] = why
  send(res, 200, headers, stored.type, stored.body)
}

function send(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  type: string,
  body: string,
): void {
  headers['content-type'] = type
  headers['content-length'] = Buffer.byteLength(body)
  res.writeHead(status, headers)
  res.end(body)
}
