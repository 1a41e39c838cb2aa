/**
 * Answers a refusal for the price of a string concatenation. Under a sale most answers are
 * refusals, so each must cost a fraction of a served request: the problem body of each refusal is
 * serialized once (only `instance`, the path, is added per request) and the errors are built once,
 * since an Error captures a stack trace when created.
 */
import type { FastifyReply } from 'fastify'
import { problemBody } from '../http/problem.js'
import { AppError } from '../platform/errors/index.js'
import type { RateLimitScope, RejectReason } from './events.js'
import type { RateDecision } from './rate-limiter.js'

const serialized = new WeakMap<AppError, string>()

export function refuse(reply: FastifyReply, error: AppError): FastifyReply {
  return reply
    .code(error.status)
    .header('retry-after', retryAfter(error))
    .type('application/problem+json')
    .send(refusalBody(error, reply.request.url))
}

/** The problem+json body of a refusal of a request for `url` (its path is the `instance`). */
export function refusalBody(error: AppError, url: string): string {
  let prefix = serialized.get(error)
  if (prefix === undefined) {
    prefix = JSON.stringify(problemBody(error)).slice(0, -1)
    serialized.set(error, prefix)
  }
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  return `${prefix},"instance":${JSON.stringify(path)}}`
}

export const retryAfter = (error: AppError): string => String(error.extra['retryAfterSeconds'] ?? 1)

/** Every refusal of one kind is the same answer: built once, not per request. */
export const overloaded = Object.fromEntries(
  (['queue_full', 'queue_timeout', 'deadline', 'event_loop', 'limit'] as const).map((reason) => [
    reason,
    new AppError('OVERLOADED', `the server is at capacity (${reason}); retry after Retry-After seconds`, {
      reason,
      retryAfterSeconds: 1,
    }),
  ]),
) as Record<RejectReason, AppError>

const rateLimited = new Map<string, AppError>()

/** The 429 for a scope and a whole number of seconds to wait (a handful of distinct values). */
export function rateLimitedError(scope: RateLimitScope, seconds: number): AppError {
  const key = `${scope}:${seconds}`
  let error = rateLimited.get(key)
  if (!error) {
    if (rateLimited.size >= 256) rateLimited.clear()
    error = new AppError('RATE_LIMITED', `too many requests from this ${scope}; retry in ${seconds} s`, {
      retryAfterSeconds: seconds,
    })
    rateLimited.set(key, error)
  }
  return error
}

/** The RateLimit headers of a decision: on every answer the limit let through, and on its 429s. */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
  }
}

/** The 429 of a decision that refused: wait the whole seconds it asks for, at least one. */
export const rateLimitRefusal = (scope: RateLimitScope, decision: RateDecision): AppError =>
  rateLimitedError(scope, Math.max(1, Math.ceil(decision.retryAfterMs / 1000)))
