import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, type ErrorCode, errorCatalog, validationFailed } from '../platform/errors/index.js'
import { ProblemRef } from './schemas.js'
import { toFieldErrors } from './validation.js'

/** RFC 9457 body. `type` is a stable URI per code (documented in docs/errors.md). */
export function problemBody(error: AppError, instance?: string) {
  const { errors, ...extra } = error.extra
  return {
    type: `https://floodgate.dev/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(errors ? { errors } : {}),
    ...extra,
  }
}

export function sendProblem(reply: FastifyReply, error: AppError) {
  if (error.status === 401) reply.header('www-authenticate', 'Bearer')
  if (error.status === 503 || error.status === 429)
    reply.header('retry-after', String(error.extra['retryAfterSeconds'] ?? 1))
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemBody(error, reply.request.url.split('?')[0])))
}

/** Fastify's own errors (parsing, limits) mapped onto our codes. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
}

/** Converts anything thrown into an AppError; unknown failures become INTERNAL_ERROR. */
export function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error
  const fe = error as FastifyError
  if (fe.validation) {
    return validationFailed(toFieldErrors(fe.validationContext ?? 'body', fe.validation))
  }
  const mapped = fe.code ? fastifyCodes[fe.code] : undefined
  if (mapped) {
    const detail = mapped === 'VALIDATION_FAILED' ? 'the body is not valid JSON' : fe.message
    return new AppError(
      mapped,
      detail,
      mapped === 'VALIDATION_FAILED' ? { errors: [{ path: 'body', message: detail }] } : {},
    )
  }
  // Any other 4xx from fastify (e.g. a JSON prototype-poisoning attempt) is the client's fault.
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError('VALIDATION_FAILED', fe.message, { errors: [{ path: 'body', message: fe.message }] })
  }
  if (isDatabaseUnavailable(error)) {
    return new AppError('DATABASE_UNAVAILABLE', 'the database did not answer in time; retry shortly')
  }
  return new AppError('INTERNAL_ERROR', 'something went wrong on our side; it has been logged')
}

/**
 * Driver errors that mean "the database is away or too slow", not "this request is wrong": lost or
 * refused connections, lock waits and statement timeouts (MySQL/MariaDB), a busy SQLite file.
 */
const unavailableCodes = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ER_CON_COUNT_ERROR',
  'POOL_ACQUIRE_TIMEOUT',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
])

function isDatabaseUnavailable(error: Error): boolean {
  const code = (error as { code?: unknown }).code
  return (
    (typeof code === 'string' && unavailableCodes.has(code)) ||
    /can't add new command when connection is in closed state|Connection lost/i.test(error.message)
  )
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error)
  if (appError.status >= 500) request.log.error({ err: error }, 'request failed')
  return sendProblem(reply, appError)
}

/** Unknown paths: the storefront's page for a browser navigation when it is served, else a problem. */
export function notFoundHandler(
  opts: { storefront?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined } = {},
) {
  return (request: FastifyRequest, reply: FastifyReply) =>
    opts.storefront?.(request, reply) ?? routeNotFound(request, reply)
}

function routeNotFound(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(
    reply,
    new AppError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
  )
}

/**
 * Every documented operation may answer any 4xx/5xx as problem+json; routes still list the
 * statuses they expect, and the spec says so for all of them in one place.
 */
export function addProblemResponses(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { response?: Record<string, unknown>; hide?: boolean } | undefined
    if (!schema || schema.hide || !schema.response) return
    schema.response = { ...schema.response, '4xx': ProblemRef, '5xx': ProblemRef }
  })
}

export { errorCatalog }
