import assert from 'node:assert/strict'
import http, { type IncomingMessage } from 'node:http'
import { after, before, beforeEach, describe, test } from 'node:test'
import Fastify, { type FastifyInstance, type FastifyServerFactory } from 'fastify'
import { createTokenVerifier, mintToken } from '../auth/index.js'
import { loadConfig } from '../config/index.js'
import { registerAuth } from '../http/auth-hook.js'
import { errorHandler } from '../http/problem.js'
import { ManualClock } from '../platform/clock/index.js'
import { Admission } from './admission.js'
import { withEdge } from './edge.js'
import type { AdmissionEvent } from './events.js'
import { registerAdmission, registerClientLimit } from './hooks.js'
import { requestArrival } from './request-start.js'

const SECRET = 'edge-refusals-test-secret-0123456789abcdef'

/**
 * The edge's 429s over real sockets, against a twin server without the edge: the same routes,
 * hooks, limits and clock. Whatever the edge answers must be what the twin's fastify hooks answer.
 */
describe('the edge refuses clients over their rate limit before fastify', () => {
  // An epoch of today's order: the balancer's stamps (request-start.ts) are told apart by magnitude.
  const clock = new ManualClock(Date.UTC(2026, 11, 1))
  let reading = { utilization: 0, lagMs: 0 }
  const config = loadConfig({
    RATE_LIMIT_IP_RATE: '1',
    RATE_LIMIT_IP_BURST: '3',
    RATE_LIMIT_USER_RATE: '1',
    RATE_LIMIT_USER_BURST: '2',
  }).admission
  const events: AdmissionEvent[] = []
  const observed: string[] = []
  const ran = { edge: 0, twin: 0 }
  let edge: { app: FastifyInstance; base: string; admission: Admission }
  let twin: { app: FastifyInstance; base: string; admission: Admission }
  let customer: string
  let admin: string

  async function start(withTheEdge: boolean) {
    const admission = new Admission({ config, clock, eventLoop: () => reading, random: () => 0 })
    const verifier = createTokenVerifier({ secret: SECRET }, () => clock.now())
    // Every peer is the trusted balancer here: its X-Request-Start says when a request arrived.
    const arrival = requestArrival(
      () => true,
      () => clock.now(),
    )
    const serverFactory: FastifyServerFactory = (handler) =>
      http.createServer(
        withTheEdge
          ? withEdge(
              {
                admission,
                verifier,
                clientIp: (req: IncomingMessage) => req.socket.remoteAddress ?? '',
                requestId: () => 'edge-id',
                observe: (method, route, status) => observed.push(`${method} ${route} ${status}`),
                arrival,
              },
              handler,
            )
          : handler,
      )
    const app = Fastify({ serverFactory, genReqId: () => 'edge-id' })
    app.setErrorHandler(errorHandler)
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id)
      ran[withTheEdge ? 'edge' : 'twin']++
    })
    if (withTheEdge) admission.on((event) => events.push(event))
    registerClientLimit(app, admission, arrival)
    registerAuth(app, verifier)
    registerAdmission(app, admission)
    const ok = async () => ({ ok: true })
    app.get('/api/v1/things', { config: { access: 'public', priority: 'sheddable' } }, ok)
    app.get('/api/v1/orders/:id', { config: { priority: 'critical' } }, ok)
    app.post('/api/v1/orders', { config: { priority: 'critical' } }, ok)
    app.get('/api/v1/mine', { config: { priority: 'sheddable' } }, ok)
    app.get('/api/v1/admin/stuff', { config: { access: 'admin' } }, ok)
    app.get('/api/orders/:id', { config: { priority: 'critical', alias: {} as never } }, ok)
    await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      app,
      admission,
      base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    }
  }

  before(async () => {
    edge = await start(true)
    twin = await start(false)
    const now = clock.now()
    customer = await mintToken(SECRET, { userId: 7, now, ttlSeconds: 3600 })
    admin = await mintToken(SECRET, { userId: 1, role: 'admin', now, ttlSeconds: 3600 })
  })
  after(async () => {
    await edge.app.close()
    await twin.app.close()
  })
  beforeEach(() => {
    reading = { utilization: 0, lagMs: 0 }
    for (let i = 0; i < 20; i++) {
      edge.admission.brake.tick()
      twin.admission.brake.tick()
    }
    clock.advance(60_000) // every bucket refills
    events.length = 0
    observed.length = 0
    ran.edge = 0
    ran.twin = 0
  })

  /** The same request to both servers: their answers, headers that vary by connection aside. */
  async function both(path: string, init: RequestInit = {}) {
    const answers = await Promise.all(
      [edge.base, twin.base].map(async (base) => {
        const res = await fetch(base + path, init)
        const headers = Object.fromEntries(
          [...res.headers].filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name)),
        )
        return { status: res.status, headers, body: await res.text() }
      }),
    )
    return { edge: answers[0]!, twin: answers[1]! }
  }

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

  test('a user over their limit gets the 429 fastify would give, from the edge', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const { edge: e, twin: t } = await both('/api/v1/orders/12?x=1', bearer(customer))
      assert.deepEqual(e, t, `request ${i + 1}: the edge's answer is the twin's`)
      statuses.push(e.status)
    }
    assert.deepEqual(statuses, [200, 200, 429, 429])
    assert.equal(ran.edge, 2, 'the two refusals never reached fastify')
    assert.equal(ran.twin, 4)
    assert.deepEqual(observed, ['GET /api/v1/orders/:id 429', 'GET /api/v1/orders/:id 429'])
    assert.deepEqual(events.filter((e) => e.type === 'rate_limited').length, 2)
    assert.ok(events.every((e) => e.type !== 'rate_limited' || e.scope === 'user'))
    const { edge: refused } = await both('/api/v1/orders', { ...bearer(customer), method: 'POST' })
    assert.equal(refused.status, 429, 'every private route of that user is refused')
    assert.equal(JSON.parse(refused.body).instance, '/api/v1/orders')
    assert.equal(refused.headers['retry-after'], '1')
  })

  test('an anonymous client over its IP limit gets its 429 from the edge, on public and private routes', async () => {
    const statuses: number[] = []
    for (const path of [
      '/api/v1/things',
      '/api/v1/things',
      '/api/v1/mine',
      '/api/v1/things',
      '/api/v1/mine',
    ]) {
      const { edge: e, twin: t } = await both(path)
      assert.deepEqual(e, t, `${path}: the edge's answer is the twin's`)
      statuses.push(e.status)
    }
    assert.deepEqual(statuses, [200, 200, 401, 429, 429])
    assert.equal(ran.edge, 3)
    assert.deepEqual(observed, ['GET /api/v1/things 429', 'GET /api/v1/mine 429'])
  })

  test('a user over their limit still browses public routes (limited by IP there, as fastify does)', async () => {
    for (let i = 0; i < 2; i++) await both('/api/v1/mine', bearer(customer))
    assert.equal((await both('/api/v1/mine', bearer(customer))).edge.status, 429)
    const { edge: e, twin: t } = await both('/api/v1/things', bearer(customer))
    assert.deepEqual([e.status, t.status], [200, 200])
  })

  test('what the edge cannot know goes to fastify: new tokens, admins, aliases, unknown paths, HEAD, overload first', async () => {
    for (let i = 0; i < 2; i++) await both('/api/v1/mine', bearer(customer))
    ran.edge = 0
    // The same user with a token the server has not verified yet: fastify checks it, then refuses.
    const fresh = await mintToken(SECRET, { userId: 7, now: clock.now(), ttlSeconds: 1800 })
    const cases: [string, RequestInit, number][] = [
      ['/api/v1/mine', bearer(fresh), 429],
      ['/api/orders/12', bearer(customer), 429],
      ['/api/v1/nothing-here', bearer(customer), 404],
      ['/api/v1/mine', { ...bearer(customer), method: 'HEAD' }, 429],
      ['/api/v1/admin/stuff', bearer(admin), 200],
      ['/api/v1/admin/stuff', bearer(customer), 403],
    ]
    for (const [path, init, status] of cases) {
      const { edge: e, twin: t } = await both(path, init)
      assert.deepEqual([e.status, t.status], [status, status], `${init.method ?? 'GET'} ${path}`)
    }
    assert.equal(ran.edge, cases.length, 'every one of them ran fastify')
    assert.deepEqual(observed, [])
    // Admission refusing browsing comes before the user's limit: fastify's 503, not the edge's 429.
    reading = { utilization: 1, lagMs: 1_000 }
    for (let i = 0; i < 20; i++) {
      edge.admission.brake.tick()
      twin.admission.brake.tick()
    }
    const { edge: e, twin: t } = await both('/api/v1/mine', bearer(customer))
    assert.deepEqual([e.status, t.status], [503, 503])
    assert.equal(JSON.parse(e.body).code, 'OVERLOADED')
  })

  test('a request that waited too long behind the balancer gets, from the edge, the 503 fastify would give', async () => {
    const stamped = (agoMs: number, init: RequestInit = {}) => ({
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'x-request-start': `t=${clock.now() - agoMs}` },
    })
    const post = { ...bearer(customer), method: 'POST', body: '{}' }
    const cases: [string, RequestInit, number, string | undefined][] = [
      // Checkout may have waited up to its deadline (2 s); anything else up to the queue timeout (250 ms).
      ['/api/v1/orders', stamped(2_000, post), 503, 'deadline'],
      ['/api/v1/orders', stamped(1_900, post), 200, undefined],
      ['/api/v1/mine', stamped(250, bearer(customer)), 503, 'queue_timeout'],
      ['/api/v1/things', stamped(249), 200, undefined],
      ['/api/v1/things', stamped(5_000), 503, 'queue_timeout'],
    ]
    for (const [path, init, status, reason] of cases) {
      const { edge: e, twin: t } = await both(path, init)
      assert.deepEqual(e, t, `${init.method ?? 'GET'} ${path}: the edge's answer is the twin's`)
      assert.equal(e.status, status, `${init.method ?? 'GET'} ${path}`)
      if (reason) {
        const problem = JSON.parse(e.body)
        assert.deepEqual([problem.code, problem.reason], ['OVERLOADED', reason])
        assert.equal(e.headers['retry-after'], '1')
      }
    }
    assert.equal(ran.edge, 2, 'the refusals never reached fastify')
    assert.deepEqual(observed, ['POST /api/v1/orders 503', 'GET /api/v1/mine 503', 'GET /api/v1/things 503'])
    const rejected = events.flatMap((e) => (e.type === 'rejected' ? [`${e.priority} ${e.reason}`] : []))
    assert.deepEqual(rejected, ['critical deadline', 'sheddable queue_timeout', 'sheddable queue_timeout'])
  })
})
