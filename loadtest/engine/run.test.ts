/**
 * The engine against a real (tiny) server that stalls: with an open model the stall must reach the
 * percentiles, because arrivals keep coming on schedule and wait for the server.
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import type { Journey } from '../journeys/index.js'
import { runLoadTest } from '../run-load-test.js'
import { startTinyServer, type TinyServer } from '../testing/tiny-server.js'

const ping: Journey = {
  name: 'ping',
  weight: 1,
  steps: [{ name: 'get', request: () => ({ method: 'GET', path: '/ping', anonymous: true }) }],
}
const users = Array.from({ length: 8 }, (_, i) => ({ id: i + 1, authorization: '' }))
const data = { productIds: [], firstUserId: 1, users: 8 }

describe('engine against a stalling server', () => {
  const servers: TinyServer[] = []
  after(() => Promise.all(servers.map((s) => s.close())))

  test('a 400 ms stall shows up in p90 even with only 4 connections', async () => {
    const t0 = Date.now()
    // Every request that arrives between 400 ms and 800 ms into the run is held until 800 ms.
    const server = await startTinyServer((_req, res) => {
      const at = Date.now() - t0
      const hold = at >= 400 && at < 800 ? 800 - at : 0
      setTimeout(() => res.end('ok'), hold)
    })
    servers.push(server)
    const result = await runLoadTest({
      target: server.url,
      scenarioName: 'stall',
      stages: [{ durationSec: 1.5, rate: 200, users: 8 }],
      journeys: [ping],
      thinkMs: [0, 0],
      connections: 4,
      timeoutMs: 5000,
      data,
      users,
      slo: 'p95<100ms',
    })
    assert.equal(result.totals.offered, 300)
    assert.equal(result.totals.ok, 300, 'every arrival was sent and answered')
    // About 80 of 300 arrivals fall in the stall and wait up to 400 ms: more than 10 % of all.
    assert.ok(result.latency.p90 >= 100, `p90 ${result.latency.p90} ms`)
    assert.ok(result.latency.max >= 300, `max ${result.latency.max} ms`)
    // Four connections could carry only four of them into the server: the rest waited here.
    assert.ok(result.queueWait.p90 >= 50, `queue wait p90 ${result.queueWait.p90} ms`)
    assert.equal(result.slo?.pass, false)
  })

  test('429 and 503 are shed, other statuses errors, a refused connection a client failure', async () => {
    const server = await startTinyServer((_req, res, n) => {
      res.statusCode = [200, 429, 503, 500][n % 4]!
      res.end()
    })
    servers.push(server)
    const result = await runLoadTest({
      target: server.url,
      scenarioName: 'statuses',
      stages: [{ durationSec: 0.5, rate: 80, users: 4 }],
      journeys: [ping],
      thinkMs: [0, 0],
      connections: 4,
      timeoutMs: 5000,
      data,
      users,
    })
    assert.equal(result.totals.offered, 40)
    assert.deepEqual([result.totals.ok, result.totals.shed, result.totals.errors], [10, 20, 10])

    const closed = await startTinyServer(() => {})
    const refusedUrl = closed.url
    await closed.close()
    const refused = await runLoadTest({
      target: refusedUrl,
      scenarioName: 'refused',
      stages: [{ durationSec: 0.2, rate: 50, users: 4 }],
      journeys: [ping],
      thinkMs: [0, 0],
      connections: 4,
      timeoutMs: 2000,
      data,
      users,
    })
    assert.equal(refused.totals.failures, 10)
    assert.equal(refused.failures.refused, 10)
  })

  test('an OK answer the server marks with Floodgate-Stale is counted stale, and still OK', async () => {
    const server = await startTinyServer((_req, res, n) => {
      if (n % 4 === 0) res.setHeader('floodgate-stale', 'overloaded')
      res.end('ok')
    })
    servers.push(server)
    const result = await runLoadTest({
      target: server.url,
      scenarioName: 'stale',
      stages: [{ durationSec: 0.5, rate: 80, users: 4 }],
      journeys: [ping],
      thinkMs: [0, 0],
      connections: 4,
      timeoutMs: 5000,
      data,
      users,
    })
    assert.deepEqual([result.totals.ok, result.totals.stale, result.totals.staleRate], [40, 10, 0.25])
    assert.equal(
      result.timeline.reduce((sum, s) => sum + (s.stale ?? 0), 0),
      10,
      'the timeline counts them per second',
    )
  })

  test('with stampRequestStart every request says when it was sent, as a load balancer would', async () => {
    const stamps: (string | undefined)[] = []
    const server = await startTinyServer((req, res) => {
      stamps.push(req.headers['x-request-start'] as string | undefined)
      res.end('ok')
    })
    servers.push(server)
    const plan = {
      target: server.url,
      scenarioName: 'stamps',
      stages: [{ durationSec: 0.2, rate: 50, users: 4 }],
      journeys: [ping],
      thinkMs: [0, 0] as const,
      connections: 4,
      timeoutMs: 5000,
      data,
      users,
    }
    const before = Date.now()
    await runLoadTest({ ...plan, stampRequestStart: true })
    const sent = stamps.splice(0).map((h) => Number(/^t=(\d+)$/.exec(h ?? '')?.[1]))
    assert.equal(sent.length, 10)
    assert.ok(
      sent.every((ms) => ms >= before && ms <= Date.now()),
      `stamps in ms since the epoch: ${sent.join()}`,
    )
    await runLoadTest(plan)
    assert.deepEqual(stamps, Array(10).fill(undefined), 'no stamp unless asked')
  })

  test('a journey step that throws stops the run with its error', async () => {
    const server = await startTinyServer((_req, res) => res.end('{}'))
    servers.push(server)
    const broken: Journey = {
      name: 'broken',
      weight: 1,
      steps: [
        { name: 'first', request: () => ({ method: 'GET', path: '/ping', anonymous: true }) },
        {
          name: 'second',
          request: () => {
            throw new Error('scenario data has no coupon')
          },
        },
      ],
    }
    await assert.rejects(
      runLoadTest({
        target: server.url,
        scenarioName: 'broken',
        stages: [{ durationSec: 0.5, rate: 40, users: 1 }],
        journeys: [broken],
        thinkMs: [0, 0],
        connections: 1,
        timeoutMs: 2000,
        data,
        users,
      }),
      /no coupon/,
    )
  })
})
