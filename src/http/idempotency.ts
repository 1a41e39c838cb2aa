import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { Clock } from '../platform/clock/index.js'
import { HOUR, SECOND } from '../platform/clock/index.js'
import { type Db, isUniqueViolation } from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { userId: number; scope: string; key: string } | null
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

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (request.method !== 'POST' || key === undefined || !request.principal) return
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1-255 visible ASCII characters', {
        errors: [{ path: 'headers/idempotency-key', message: 'must be 1-255 visible ASCII characters' }],
      })
    }
    const userId = request.principal.userId
    const scope = `POST ${request.url.split('?')[0]}`.slice(0, 200)
    const hash = createHash('sha256')
      .update(canonical(request.body ?? null))
      .digest('hex')
    const now = clock.now()
    const claim = {
      user_id: userId,
      scope,
      idem_key: key,
      request_hash: hash,
      state: 'IN_PROGRESS' as const,
      status_code: null,
      response_body: null,
      created_at: now,
      expires_at: now + TTL,
    }
    try {
      await db.insertInto('idempotency_keys').values(claim).execute()
      request.idempotency = { userId, scope, key }
      return
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
    }
    const where = db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .where('scope', '=', scope)
      .where('idem_key', '=', key)
    const existing = await where.executeTakeFirst()
    if (!existing) throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', 'retry shortly')
    const expired = Number(existing.expires_at) <= now
    const abandoned = existing.state === 'IN_PROGRESS' && Number(existing.created_at) + ABANDONED_AFTER <= now
    if (expired || abandoned) {
      // Take over only if nobody else did in between (compare-and-set on created_at).
      const taken = await db
        .updateTable('idempotency_keys')
        .set(claim)
        .where('user_id', '=', userId)
        .where('scope', '=', scope)
        .where('idem_key', '=', key)
        .where('created_at', '=', existing.created_at)
        .executeTakeFirst()
      if (Number(taken.numUpdatedRows) === 1) {
        request.idempotency = { userId, scope, key }
        return
      }
      throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', 'a request with this key is running')
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
    const body = existing.response_body ?? ''
    reply
      .code(Number(existing.status_code))
      .header('idempotent-replayed', 'true')
      .type(
        body.startsWith('{"type":"https://floodgate.dev/problems/')
          ? 'application/problem+json'
          : 'application/json',
      )
    return reply.send(body)
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency
    if (!claim) return payload
    request.idempotency = null
    const match = (q: ReturnType<typeof db.updateTable<'idempotency_keys'>>) =>
      q.where('user_id', '=', claim.userId).where('scope', '=', claim.scope).where('idem_key', '=', claim.key)
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await db
        .deleteFrom('idempotency_keys')
        .where('user_id', '=', claim.userId)
        .where('scope', '=', claim.scope)
        .where('idem_key', '=', claim.key)
        .execute()
      return payload
    }
    await match(db.updateTable('idempotency_keys'))
      .set({ state: 'DONE', status_code: reply.statusCode, response_body: payload })
      .execute()
    return payload
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

/** Deletes answers past their 24 h (called by the periodic sweeper). */
export async function purgeExpiredIdempotencyKeys(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}
