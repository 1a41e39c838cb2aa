import { createHash, randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Clock } from '../platform/clock/index.js'
import { HOUR, SECOND } from '../platform/clock/index.js'
import { type Db, type IdempotencyKeysTable, type Receipt, ReceiptTaken } from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'
import {
  type Claim,
  claimKey,
  completeKey,
  dropStaleKey,
  findKey,
  type KeyReceipt,
  keyReceipts,
  recordAnswer,
  releaseKey,
  takeOverKey,
} from './idempotency-store.js'
import { addRouteHook } from './route-hooks.js'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The request's key: `held` when its claim is written and waits for the answer; not held when
     * the route writes the key with its result (`keyWithResult`) or after a refusal.
     */
    idempotency: { claim: Claim; held: boolean } | null
  }
  interface FastifyContextConfig {
    /**
     * The handler writes the request's Idempotency-Key and answer in the transaction of its result
     * (`Idempotency.once`), instead of a claim before the handler and an answer after it: a key
     * then costs a checkout no round trips of its own. Only for handlers whose whole effect is
     * that one transaction.
     */
    keyWithResult?: boolean
  }
}

/** What a handler of a `keyWithResult` route asks of the idempotency layer. */
export interface Idempotency {
  /**
   * Runs `unit` with a receipt for the request's key (none without a key) and answers `status`
   * with its result. When another request wrote this key first, or the unit is refused while the
   * key holds an answer, the request is answered as that one was (replayed, 409 or 422); the
   * promise then resolves to the reply itself, already sent, which fastify takes as answered.
   */
  once<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    unit: (receipt: Receipt<T> | undefined) => Promise<T>,
  ): Promise<T>
}

const TTL = 24 * HOUR
/** An IN_PROGRESS claim older than this is taken over: its request died with its process. */
const ABANDONED_AFTER = 60 * SECOND
const KEY = /^[\x21-\x7e]{1,255}$/
const JSON_TYPE = 'application/json; charset=utf-8'

/** Canonical JSON (sorted keys), so that key order does not make two equal bodies differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

const inProgress = (detail: string) => new AppError('IDEMPOTENCY_KEY_IN_PROGRESS', detail)

/**
 * What a key found in the table means for a request with this body: `stale` (expired, or a claim
 * whose request died) may be replaced, `replay` is answered from the table; a claim still running
 * or another body is refused.
 */
function judge(existing: IdempotencyKeysTable, hash: string, now: number): 'stale' | 'replay' {
  const expired = Number(existing.expires_at) <= now
  const abandoned = existing.state === 'IN_PROGRESS' && Number(existing.created_at) + ABANDONED_AFTER <= now
  if (expired || abandoned) return 'stale'
  if (existing.state === 'IN_PROGRESS') throw inProgress('a request with this key is running; retry shortly')
  if (existing.request_hash !== hash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was used with a different request body',
    )
  }
  return 'replay'
}

function replay(reply: FastifyReply, existing: IdempotencyKeysTable): FastifyReply {
  reply
    .code(Number(existing.status_code))
    .header('idempotent-replayed', 'true')
    .type(existing.content_type ?? 'application/json')
  return reply.send(existing.response_body ?? '')
}

/**
 * `Idempotency-Key` on any POST: the first request with a key runs and stores its answer; a repeat
 * with the same body replays that answer (`Idempotent-Replayed: true`) without running again; a
 * different body is 422, a repeat while the first still runs is 409. Keys are scoped to the caller
 * and the path. 5xx answers are not stored, so a retry may run again.
 *
 * Most routes claim the key before the handler and store the answer after it. A `keyWithResult`
 * route writes key and answer in its unit's transaction instead; two requests with one key then
 * race to commit, and the loser's unit rolls back and replays the winner's answer.
 */
export function registerIdempotency(app: FastifyInstance, deps: { db: Db; clock: Clock }): Idempotency {
  const { db, clock } = deps
  app.decorateRequest('idempotency', null)

  /** The request's key as a fresh claim, or null without a key; a malformed key is refused. */
  const claimOf = (request: FastifyRequest): Claim | null => {
    const key = request.headers['idempotency-key']
    if (key === undefined || !request.principal) return null
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1-255 visible ASCII characters', {
        errors: [{ path: 'headers/idempotency-key', message: 'must be 1-255 visible ASCII characters' }],
      })
    }
    const now = clock.now()
    return {
      user_id: request.principal.userId,
      scope: `POST ${request.url.split('?')[0]}`.slice(0, 200),
      idem_key: key,
      request_hash: createHash('sha256')
        .update(canonical(request.body ?? null))
        .digest('hex'),
      state: 'IN_PROGRESS',
      status_code: null,
      content_type: null,
      response_body: null,
      created_at: now,
      expires_at: now + TTL,
      claim_token: randomUUID(),
    }
  }

  const claimFirst = async (request: FastifyRequest, reply: FastifyReply) => {
    const claim = claimOf(request)
    if (!claim) return
    if (await claimKey(db, claim)) {
      request.idempotency = { claim, held: true }
      return
    }
    const existing = await findKey(db, claim)
    if (!existing) throw inProgress('a request with this key just finished; retry')
    if (judge(existing, claim.request_hash, clock.now()) === 'replay') return replay(reply, existing)
    if (await takeOverKey(db, claim, Number(existing.created_at))) {
      request.idempotency = { claim, held: true }
      return
    }
    throw inProgress('a request with this key is running; retry shortly')
  }

  const claimWithResult = async (request: FastifyRequest) => {
    const claim = claimOf(request)
    if (claim) request.idempotency = { claim, held: false }
  }

  const once: Idempotency['once'] = async <T>(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    unit: (receipt: Receipt<T> | undefined) => Promise<T>,
  ): Promise<T> => {
    const pending = request.idempotency
    if (!pending || pending.held) {
      const result = await unit(undefined)
      reply.code(status)
      return result
    }
    const { claim } = pending
    const receipt: KeyReceipt<T> = {
      book: keyReceipts,
      claim,
      answer: (result) => ({
        status,
        contentType: JSON_TYPE,
        body: String(reply.serializeInput(result as Record<string, unknown>, String(status))),
      }),
    }
    for (let attempt = 1; attempt <= 3; attempt++) {
      let taken: unknown
      try {
        const result = await unit(receipt)
        request.idempotency = null // written with the result
        reply.code(status)
        return result
      } catch (error) {
        // A refusal may be a retry of a request that succeeded (its points are spent, its stock
        // gone): the key's answer, if there is one, is the answer.
        const refused = error instanceof AppError && error.status < 500
        if (!(error instanceof ReceiptTaken) && !refused) throw error
        taken = error
      }
      const existing = await findKey(db, claim)
      if (!existing) {
        if (taken instanceof ReceiptTaken) continue // it was deleted meanwhile: run again
        throw taken // the refusal stands; onSend records it under the key
      }
      if (judge(existing, claim.request_hash, clock.now()) === 'replay') {
        request.idempotency = null
        return replay(reply, existing) as unknown as T
      }
      await dropStaleKey(db, claim, Number(existing.created_at))
    }
    throw inProgress('requests with this key keep colliding; retry')
  }

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const pending = request.idempotency
    if (!pending) return payload
    request.idempotency = null
    const failed = reply.statusCode >= 500 || typeof payload !== 'string'
    const answer = () => ({
      status: reply.statusCode,
      contentType: String(reply.getHeader('content-type') ?? 'application/json'),
      body: payload as string,
    })
    if (pending.held) {
      if (failed) await releaseKey(db, pending.claim)
      else await completeKey(db, pending.claim, answer())
    } else if (!failed) {
      // Refused before its result was written: record the refusal, unless a request with the
      // same key holds it (then its answer stands).
      await recordAnswer(db, pending.claim, answer())
    }
    return payload
  }

  // Only POST routes carry these hooks; reads pay nothing for idempotency.
  app.addHook('onRoute', (route) => {
    if (!([] as string[]).concat(route.method).includes('POST')) return
    const withResult = (route.config as { keyWithResult?: boolean } | undefined)?.keyWithResult === true
    addRouteHook(route, 'preHandler', 'idempotency', withResult ? claimWithResult : claimFirst)
    addRouteHook(route, 'onSend', 'idempotency', onSend)
  })
  return { once }
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
