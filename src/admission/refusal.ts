/**
 * Answers a refusal for the price of a string concatenation. Under a sale most answers are
 * refusals, so each must cost a fraction of a served request: the problem body of each refusal is
 * serialized once (only `instance`, the path, is added per request) and the errors are built once,
 * since an Error captures a stack trace when created.
 */
import type { FastifyReply } from 'fastify'
import { problemBody } from '../http/problem.js'
import { AppError } from '../platform/errors/index.js'
import type { RateLimitScope } from './events.js'

const serialized = new WeakMap<AppError, string>()

export function refuse(reply: FastifyReply, error: AppError): FastifyReply {
  let prefix = serialized.get(error)
  if (prefix === undefined) {
    prefix = JSON.stringify(problemBody(error)).slice(0, -1)
    serialized.set(error, prefix)
  }
  const url = reply.request.url
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  return reply
    .code(error.status)
    .header('retry-after', String(error.extra['retryAfterSeconds'] ?? 1))
    .type('application/problem+json')
    .send(`${prefix},"instance":${JSON.stringify(path)}}`)
}

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
