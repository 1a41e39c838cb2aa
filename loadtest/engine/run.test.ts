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

  describe('with retryBusy, refused shoppers come back as the storefront makes them', () => {
    const order: Journey = {
      name: 'buy',
      weight: 1,
      steps: [
        {
          name: 'order',
          request: () => ({ method: 'POST', path: '/orders', body: { item: 1 }, idempotent: true }),
        },
        { name: 'after', request: () => ({ method: 'GET', path: '/ping', anonymous: true }) },
      ],
    }
    /** Each request the server saw: its Idempotency-Key (none for the GET), body and arrival. */
    const serve = async (refuse: (key: string, seen: number) => boolean, retryAfter: string) => {
      const seen: { key: string; body: string; at: number }[] = []
      const server = await startTinyServer((req, res) => {
        let body = ''
        req.on('data', (chunk) => {
          body += chunk
        })
        req.on('end', () => {
          const key = (req.headers['idempotency-key'] as string | undefined) ?? ''
          seen.push({ key, body, at: performance.now() })
          if (key && refuse(key, seen.filter((s) => s.key === key).length)) {
            res.writeHead(503, { 'retry-after': retryAfter })
            res.end()
          } else res.end('{}')
        })
      })
      servers.push(server)
      return { server, seen }
    }
    const plan = (url: string, maxAttempts: number, journey = order) => ({
      target: url,
      scenarioName: 'retry',
      stages: [{ durationSec: 0.2, rate: 50, users: 4 }],
      journeys: [journey],
      thinkMs: [0, 0] as const,
      connections: 4,
      timeoutMs: 5000,
      data,
      users,
      retryBusy: { maxAttempts, defaultDelayMs: 1000, jitterRatio: 0, minJitterMs: 0, maxDelayMs: 30_000 },
    })

    test('the same request, Idempotency-Key and body, is sent again; the shopper gets through', async () => {
      const { server, seen } = await serve((_key, n) => n === 1, '0')
      // The order alone: a second step would take some of the ten arrivals.
      const result = await runLoadTest(plan(server.url, 5, { ...order, steps: [order.steps[0]!] }))
      const orders = seen.filter((s) => s.key)
      const keys = new Set(orders.map((s) => s.key))
      assert.equal(keys.size, 10, 'ten arrivals, ten orders')
      assert.equal(orders.length, 20, 'each sent twice, under its own key both times')
      assert.ok(orders.every((s) => s.body === '{"item":1}'))
      const step = result.steps.find((s) => s.name === 'buy.order')!
      assert.deepEqual([step.ok, step.shed], [10, 10], 'every request counted')
      assert.deepEqual(step.attempts, { count: 10, ok: 10, retries: 10 })
      assert.equal(result.totals.retries, 10)
      assert.equal(result.totals.sent, result.totals.offered + 10, 'a resend is no arrival')
    })

    test('Retry-After is waited out, and a shopper refused every time gives up after maxAttempts', async () => {
      const { server, seen } = await serve(() => true, '1')
      const result = await runLoadTest(plan(server.url, 2))
      const step = result.steps.find((s) => s.name === 'buy.order')!
      assert.deepEqual(step.attempts, { count: 10, ok: 0, retries: 10 })
      assert.equal(step.shed, 20)
      assert.equal(
        result.steps.find((s) => s.name === 'buy.after'),
        undefined,
        'a refused step still ends the journey once the retries are spent',
      )
      for (const key of new Set(seen.map((s) => s.key))) {
        const [first, second] = seen.filter((s) => s.key === key)
        assert.ok(second!.at - first!.at >= 990, `resent ${(second!.at - first!.at).toFixed(0)} ms later`)
      }
    })

    test('without it a refused step ends the journey at once, one request per attempt', async () => {
      const { server, seen } = await serve(() => true, '0')
      const { retryBusy: _, ...without } = plan(server.url, 5)
      const result = await runLoadTest(without)
      assert.equal(seen.length, 10)
      const step = result.steps.find((s) => s.name === 'buy.order')!
      assert.deepEqual(step.attempts, { count: 10, ok: 0, retries: 0 })
      assert.equal(result.totals.retries, 0)
    })
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
