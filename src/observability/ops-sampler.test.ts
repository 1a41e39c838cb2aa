import assert from 'node:assert/strict'
import fs from 'node:fs'
import { after, before, describe, test } from 'node:test'
import Fastify from 'fastify'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { ALERT_RULES } from './alert-rules.js'
import { draftPostmortem, incidentFigures } from './incident.js'
import { SAMPLE_INTERVAL_SECONDS } from './ops-sampler.js'

const STEP = SAMPLE_INTERVAL_SECONDS * 1000

describe('the ops sampler: charts, in-process alerts, the recorded timeline and the incident draft', () => {
  let t: TestApp
  const start = Date.parse('2026-03-02T09:00:00.000Z')
  before(async () => {
    t = await startTestApp()
    // Real event-loop load in a busy test process is noise; the alert under test is about errors.
    t.runtime.ops.readEventLoop = () => 0.2
  })
  after(() => t.close())

  /** One sampling interval of traffic at 10 req/s, `failing` of them 503, then a sample. */
  async function step(failing: number) {
    for (let i = 0; i < 50 - failing; i++)
      t.runtime.metrics.observeRequest('GET', '/api/v1/products', 200, 0.004)
    for (let i = 0; i < failing; i++) t.runtime.metrics.observeRequest('GET', '/api/v1/products', 503, 0.004)
    t.clock.advance(STEP)
    await t.runtime.ops.sample()
  }

  test('an outage: the 5xx alert fires after its `for`, resolves, and the draft has the figures', async () => {
    assert.equal(t.clock.now(), start)
    await t.runtime.ops.sample()
    // Users who saw a 5xx are remembered by the sampler's response hook (a bare app stands in
    // for a failing route, so the shop's own routes need not break).
    const failing = Fastify()
    failing.decorateRequest('principal', null)
    t.runtime.ops.watch(failing)
    failing.get('/fail/:user', async (request, reply) => {
      request.principal = { userId: Number((request.params as { user: string }).user), role: 'customer' }
      reply.code(503)
      return { failed: true }
    })

    for (let i = 0; i < 36; i++) await step(0) // 3 healthy minutes
    for (let i = 0; i < 72; i++) {
      // 6 minutes with 20% of requests failing; users 1-3 among the unlucky
      if (i === 6) for (const user of [1, 2]) await failing.inject(`/fail/${user}`)
      if (i === 30) for (const user of [2, 3]) await failing.inject(`/fail/${user}`)
      await step(10)
    }
    for (let i = 0; i < 72; i++) await step(0) // 6 minutes of recovery
    await failing.close()
    await t.runtime.ops.stop()

    const view = t.runtime.ops.view()
    // 15 minutes at one sample per 5 s, as columns for the charts.
    assert.equal(view.series.t.length, 180)
    assert.equal(view.series.requestsPerSecond.at(-1), 10)
    assert.ok(view.series.errorRatio.includes(0.2))
    // SQLite has no pool (null); MySQL's is nearly idle here.
    const pool = view.series.poolUsage.at(-1) ?? null
    assert.ok(pool === null || (pool >= 0 && pool <= 0.5), String(pool))
    assert.deepEqual(
      view.timeline.map((e) => [e.alert, e.state]),
      [
        ['FloodgateHigh5xxRatio', 'resolved'],
        ['FloodgateHigh5xxRatio', 'firing'],
      ],
    )
    assert.ok(view.alerts.every((a) => a.state === 'inactive'))

    // The 5-minute ratio passes 5% at the 13th bad sample (65 s into the outage: 130 / 2,450);
    // it must hold for 2 minutes (24 more samples) before the alert fires.
    const outage = start + 36 * STEP
    const firedAt = outage + (13 + 24) * STEP
    const figures = await incidentFigures(t.runtime.db, start, start + 20 * 60_000)
    assert.deepEqual(figures.firstAlert, {
      at: firedAt,
      alert: 'FloodgateHigh5xxRatio',
      severity: 'P1',
      instance: t.runtime.ops.instance,
    })
    assert.equal(figures.severity, 'P1')
    assert.equal(figures.totalRequests, 180 * 50)
    assert.equal(figures.failedRequests, 72 * 10)
    assert.equal(figures.peakErrorRate?.ratio, 0.2)
    assert.equal(figures.affectedUsers, 3)

    const draft = draftPostmortem(
      fs.readFileSync(new URL('../../docs/postmortem-template.md', import.meta.url), 'utf8'),
      figures,
      'checkout down',
    )
    assert.match(draft, /^# Postmortem: checkout down$/m)
    assert.match(draft, /\| First alert \| 2026-03-02 09:06:05 UTC: FloodgateHigh5xxRatio \(P1\)/)
    assert.match(draft, /\| Peak error rate .* \| 20\.00% \(minute from 2026-03-02 09:0\d:00 UTC\) \|/)
    assert.match(draft, /\| Failed requests \(5xx\) in the window \| 720 \|/)
    assert.match(draft, /\| Affected users .* \| 3 \|/)
    assert.match(draft, /\| 2026-03-02 09:\d\d:\d\d UTC \| FloodgateHigh5xxRatio \(P1\) resolved on /)
    assert.doesNotMatch(draft, /\{\{\w+\}\}/, 'every placeholder is filled')
  })

  test('GET /api/v1/admin/ops/timeline is for admins only', async () => {
    assert.equal((await t.call('GET', '/api/v1/admin/ops/timeline')).statusCode, 401)
    const customer = await t.call('GET', '/api/v1/admin/ops/timeline', { token: await t.token(1) })
    assert.equal(customer.statusCode, 403)
    const admin = await t.call('GET', '/api/v1/admin/ops/timeline', { token: await t.adminToken() })
    assert.equal(admin.statusCode, 200)
    assert.equal(admin.json().alerts.length, ALERT_RULES.length)
    assert.equal(admin.json().series.t.length, 180)
  })
})
