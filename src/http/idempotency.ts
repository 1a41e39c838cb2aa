import { createHash, randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Clock } from '../platform/clock/index.js'
import { HOUR, SECOND } from '../platform/clock/index.js'
import type { Db } from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'
import { type Claim, claimKey, completeKey, findKey, releaseKey, takeOverKey } from './idempotency-store.js'
import { addRouteHook } from './route-hooks.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The key this request claimed, to be completed with its answer. */
    idempotency: Claim | null
  }
}

const TTL = 24 * HOUR
/** An IN_PROGRESS claim older than this is taken over: its request died with its process. */
const ABANDONED_AFTER = 60 * SECOND
const KEY = /^[\x21-\x7e]{1,255}$/

/** Canonical JSON (sorted keys), so that key order does not make two equal bodies differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * `Idempotency-Key` on any POST: the first request with a key claims it, runs, and stores its
 * answer; a repeat with the same body replays that answer (`Idempotent-Replayed: true`) without
 * running again; a different body is 422, a repeat while the first still runs is 409.
 * Keys are scoped to the caller and the path. 5xx answers are not stored, so a retry may run again.
 */
export function registerIdempotency(app: FastifyInstance, deps: { db: Db; clock: Clock }): void {
  const { db, clock } = deps
  app.decorateRequest('idempotency', null)

  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers['idempotency-key']
    if (key === undefined || !request.principal) return
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1-255 visible ASCII characters', {
        errors: [{ path: 'headers/idempotency-key', message: 'must be 1-255 visible ASCII characters' }],
      })
    }
    const id = {
      user_id: request.principal.userId,
      scope: `POST ${request.url.split('?')[0]}`.slice(0, 200),
      idem_key: key,
    }
    const hash = createHash('sha256')
      .update(canonical(request.body ?? null))
      .digest('hex')
    const now = clock.now()
    const claim: Claim = {
      ...id,
      request_hash: hash,
      state: 'IN_PROGRESS',
      status_code: null,
      content_type: null,
      response_body: null,
      created_at: now,
      expires_at: now + TTL,
      claim_token: randomUUID(),
    }
    if (await claimKey(db, claim)) {
      request.idempotency = claim
      return
    }
    const existing = await findKey(db, id)
    if (!existing)
      throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', 'a request with this key just finished; retry')
    const expired = Number(existing.expires_at) <= now
    const abandoned = existing.state === 'IN_PROGRESS' && Number(existing.created_at) + ABANDONED_AFTER <= now
    if (expired || abandoned) {
      if (await takeOverKey(db, claim, Number(existing.created_at))) {
        request.idempotency = claim
        return
      }
      throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', 'a request with this key is running; retry shortly')
    }
    if (existing.state === 'IN_PROGRESS') {
      throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', 'a request with this key is running; retry shortly')
    }
    if (existing.request_hash !== hash) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was used with a different request body',
      )
    }
    reply
      .code(Number(existing.status_code))
      .header('idempotent-replayed', 'true')
      .type(existing.content_type ?? 'application/json')
    return reply.send(existing.response_body ?? '')
  }

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claim = request.idempotency
    if (!claim) return payload
    request.idempotency = null
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await releaseKey(db, claim)
    } else {
      const contentType = String(reply.getHeader('content-type') ?? 'application/json')
      await completeKey(db, claim, { status: reply.statusCode, contentType, body: payload })
    }
    return payload
  }

  // Only POST routes carry these hooks; reads pay nothing for idempotency.
  app.addHook('onRoute', (route) => {
    if (!([] as string[]).concat(route.method).includes('POST')) return
    addRouteHook(route, 'preHandler', 'idempotency', preHandler)
    addRouteHook(route, 'onSend', 'idempotency', onSend)
  })
}

/** Declares the optional `Idempotency-Key` header on every documented POST, so clients see it in the contract. */
export function declareIdempotencyHeader(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { headers?: unknown; hide?: boolean } | undefined
    const methods = ([] as string[]).concat(route.method)
    if (!schema || schema.hide || schema.headers || !methods.includes('POST')) return
    schema.headers = Type.Object({
      'idempotency-key': Type.Optional(
        Type.String({
          description:
            'Makes the POST safe to retry: the same key and body within 24 h replay the first answer (Idempotent-Replayed: true).',
        }),
      ),
    })
  })
}

export { keyBatcherFor, useKeyBatching } from './idempotency-batcher.js'
export { purgeExpiredIdempotencyKeys } from './idempotency-store.js'
