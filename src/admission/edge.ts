/**
 * The edge: catalog reads the server has no room for, answered on Node's raw `request` event
 * before fastify builds a request and a reply, routes, and runs its hooks.
 *
 * In a sale most requests are catalog reads, and while admission refuses them each gets its last
 * good answer (stale.ts). Sent through fastify, that answer costs most of what a served read costs:
 * the routing, a dozen hooks, the reply and its onSend and onResponse hooks. That CPU is what
 * checkout needs. The edge sends the same answer with the same headers, counts it in the same
 * metrics, and skips the rest (`npm run bench:admission` measures both ways). It answers only when
 * fastify would give the same answer:
 *  - a GET of a URL whose stored answer is from a public route under its own name;
 *  - while the database breaker is open, or admission would refuse browsing at once (the
 *    event-loop brake, or an overload that leaves browsing no slot);
 *  - after the per-IP limit, as step 1 applies it (a 429 when it refuses).
 * Anything else goes to fastify untouched. The edge decides before it counts anything, so a
 * request it passes on has been counted nowhere. Its answers are not logged one by one (a log line
 * would cost as much as the answer); the metrics count them.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Admission } from './admission.js'
import type { RateDecision } from './rate-limiter.js'
import { rateLimitHeaders, rateLimitRefusal, refusalBody, retryAfter } from './refusal.js'
import { ageOf, type Stored } from './stale.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

export interface EdgeOptions {
  admission: Admission
  /** The client's address behind trusted proxies: the rule fastify's `request.ip` follows. */
  clientIp: (req: IncomingMessage) => string
  /** The request id, as fastify's `genReqId` makes it. */
  requestId: (req: IncomingMessage) => string
  /** The HTTP request metrics (`Metrics.observeRequest`). */
  observe: (method: string, route: string, status: number, seconds: number) => void
}

/** Wraps fastify's handler: the edge answers what it can, fastify the rest. */
export function withEdge(o: EdgeOptions, next: Handler): Handler {
  const { admission } = o
  return (req, res) => {
    const stored = req.method === 'GET' ? admission.stale.get(req.url ?? '') : undefined
    if (!stored?.edge) return next(req, res)
    const open = admission.database.state === 'open'
    const reason = open ? undefined : admission.limiter.refusal('sheddable')
    if (!open && !reason) return next(req, res)
    const started = performance.now()
    const answer = (decision: RateDecision | undefined) => {
      const headers: OutgoingHttpHeaders = {
        'x-request-id': o.requestId(req),
        ...(decision ? rateLimitHeaders(decision) : {}),
      }
      let status = 200
      if (decision && !decision.allowed) {
        admission.emit({ type: 'rate_limited', scope: 'ip' })
        const error = rateLimitRefusal('ip', decision)
        status = error.status
        headers['retry-after'] = retryAfter(error)
        send(res, status, headers, 'application/problem+json', refusalBody(error, req.url ?? '/'))
      } else {
        if (reason) {
          admission.emit({ type: 'rejected', reason, priority: 'sheddable' })
          admission.emit({ type: 'stale', priority: 'sheddable' })
        }
        sendStored(res, headers, stored, admission, open ? 'database unavailable' : 'overloaded')
      }
      o.observe('GET', stored.route, status, (performance.now() - started) / 1000)
    }
    const limiter = admission.ipLimiter
    if (!limiter) return answer(undefined)
    const taken = limiter.take(o.clientIp(req))
    if (!(taken instanceof Promise)) return answer(taken)
    // A limiter that failed counted nothing: fastify takes the request as if the edge were not there.
    taken.then(answer, () => next(req, res))
  }
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
