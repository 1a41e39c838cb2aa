import assert from 'node:assert/strict'
import http, { type IncomingMessage } from 'node:http'
import { after, before, beforeEach, describe, test } from 'node:test'
import Fastify, { type FastifyInstance, type FastifyServerFactory } from 'fastify'
import { loadConfig } from '../config/index.js'
import { errorHandler } from '../http/problem.js'
import { ManualClock } from '../platform/clock/index.js'
import { Admission } from './admission.js'
import { withEdge } from './edge.js'
import type { AdmissionEvent } from './events.js'
import { registerAdmission, registerClientLimit } from './hooks.js'

/**
 * The edge over a real socket (it sits on the server's `request` event, which `inject` skips): a
 * catalog route, a private one and an alias, all storing their answers; the event-loop brake is
 * the switch that makes admission refuse browsing.
 */
describe('the edge answers refused catalog reads before fastify', () => {
  const clock = new ManualClock(1_000_000)
  let reading = { utilization: 0, lagMs: 0 }
  const admission = new Admission({
    config: loadConfig({ RATE_LIMIT_IP_RATE: '1', RATE_LIMIT_IP_BURST: '5' }).admission,
    clock,
    eventLoop: () => reading,
    random: () => 0,
  })
  const events: AdmissionEvent[] = []
  admission.on((event) => events.push(event))
  const observed: string[] = []
  const ran = { handler: 0, onRequest: 0 }
  const serverFactory: FastifyServerFactory = (handler) =>
    http.createServer(
      withEdge(
        {
          admission,
          clientIp: (req: IncomingMessage) => req.socket.remoteAddress ?? '',
          requestId: () => 'edge-id',
          observe: (method, route, status) => observed.push(`${method} ${route} ${status}`),
        },
        handler,
      ),
    )
  let app: FastifyInstance
  let base: string

  const overload = (on: boolean) => {
    reading = on ? { utilization: 1, lagMs: 1_000 } : { utilization: 0, lagMs: 0 }
    for (let i = 0; i < 20; i++) admission.brake.tick()
  }

  before(async () => {
    app = Fastify({ serverFactory })
    app.setErrorHandler(errorHandler)
    app.addHook('onRequest', async () => {
      ran.onRequest++
    })
    registerClientLimit(app, admission)
    registerAdmission(app, admission)
    const things = async () => ({ served: ++ran.handler })
    app.get('/api/v1/things', { config: { access: 'public', priority: 'sheddable', stale: true } }, things)
    app.get('/api/v1/mine', { config: { priority: 'sheddable', stale: true } }, things)
    app.get('/api/v1/dear', { config: { access: 'public', priority: 'important', stale: true } }, things)
    app.get(
      '/api/things',
      { config: { access: 'public', priority: 'sheddable', stale: true, alias: {} as never } },
      things,
    )
    app.post('/api/v1/things', { config: { access: 'public', priority: 'sheddable' } }, things)
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    for (const url of ['/api/v1/things', '/api/v1/mine', '/api/v1/dear', '/api/things'])
      assert.equal((await fetch(base + url)).status, 200, `${url} answered and stored`)
  })
  after(() => app.close())
  beforeEach(() => {
    overload(false)
    clock.advance(60_000) // the per-IP burst refills
    events.length = 0
    observed.length = 0
    ran.handler = 0
    ran.onRequest = 0
  })

  test('while admission refuses browsing, the stored answer goes out with the same headers, past fastify', async () => {
    overload(true)
    clock.advance(3_000)
    const res = await fetch(`${base}/api/v1/things`)
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { served: 1 })
    assert.equal(res.headers.get('floodgate-stale'), 'overloaded')
    assert.equal(res.headers.get('age'), '63')
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.equal(res.headers.get('x-request-id'), 'edge-id')
    assert.equal(res.headers.get('ratelimit-limit'), '5')
    assert.equal(res.headers.get('ratelimit-remaining'), '4')
    assert.equal(res.headers.get('content-length'), String('{"served":1}'.length))
    assert.deepEqual(ran, { handler: 0, onRequest: 0 }, 'fastify never saw it')
    assert.deepEqual(events, [
      { type: 'rejected', reason: 'event_loop', priority: 'sheddable' },
      { type: 'stale', priority: 'sheddable' },
    ])
    assert.deepEqual(observed, ['GET /api/v1/things 200'])
  })

  test('the per-IP limit still applies: past its burst a 429 with Retry-After', async () => {
    overload(true)
    const statuses: number[] = []
    let refused: Response | undefined
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${base}/api/v1/things`)
      statuses.push(res.status)
      if (res.status === 429) refused = res
      else await res.arrayBuffer()
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429])
    assert.ok(refused)
    assert.equal(refused.headers.get('retry-after'), '1')
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8')
    assert.equal(refused.headers.get('ratelimit-remaining'), '0')
    const problem = (await refused.json()) as { code: string; instance: string }
    assert.equal(problem.code, 'RATE_LIMITED')
    assert.equal(problem.instance, '/api/v1/things')
    assert.equal(ran.onRequest, 0)
    assert.ok(events.some((e) => e.type === 'rate_limited'))
  })

  test('with room to serve, fastify serves; private routes, other classes, aliases, other URLs and writes go to fastify', async () => {
    assert.equal((await fetch(`${base}/api/v1/things`)).headers.get('floodgate-stale'), null)
    assert.equal(ran.handler, 1)
    overload(true)
    for (const url of ['/api/v1/mine', '/api/v1/dear', '/api/things']) {
      const res = await fetch(base + url)
      await res.arrayBuffer()
      assert.equal(res.headers.get('x-request-id'), null, `${url}: not the edge's answer`)
    }
    const unknown = await fetch(`${base}/api/v1/things?page=2`)
    assert.equal(unknown.status, 503, 'nothing stored for this URL: fastify refuses it')
    clock.advance(5_000) // this client spent its burst of 5 above; over it, the edge would refuse
    const write = await fetch(`${base}/api/v1/things`, { method: 'POST' })
    await write.arrayBuffer()
    assert.notEqual(write.headers.get('x-request-id'), 'edge-id')
    assert.equal(ran.onRequest, 6, "every one of them ran fastify's hooks")
  })

  test('while the database breaker is open the stored answer goes out marked so', async () => {
    for (let i = 0; i < 20 && admission.database.state !== 'open'; i++) admission.database.failure()
    assert.equal(admission.database.state, 'open')
    try {
      const res = await fetch(`${base}/api/v1/things`)
      assert.equal(res.headers.get('floodgate-stale'), 'database unavailable')
      assert.equal(ran.onRequest, 0)
    } finally {
      clock.advance(60_000)
      admission.database.allow()
      admission.database.success()
    }
  })
})
