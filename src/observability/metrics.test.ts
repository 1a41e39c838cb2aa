import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestApp, type TestApp } from '../testing/harness.js'

describe('request metrics', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())

  const count = async (labels: Record<string, string>) => {
    const metric = await t.runtime.metrics.httpRequests.get()
    return metric.values
      .filter((v) =>
        Object.entries(labels).every(([k, want]) => String(v.labels[k as keyof typeof v.labels]) === want),
      )
      .reduce((sum, v) => sum + v.value, 0)
  }

  test('unknown paths are counted as route="unmatched", apart from missing resources', async () => {
    await t.call('GET', '/api/v1/prodcts')
    await t.call('GET', `/api/v1/products/${'9'.repeat(5)}/${'x'.repeat(3)}`)
    await t.call('GET', '/api/v1/products/99999')
    assert.equal(await count({ route: 'unmatched', status: '404' }), 2)
    assert.equal(await count({ route: '/api/v1/products/:productId', status: '404' }), 1)
  })

  test('labels are route patterns, so random ids add no series', async () => {
    for (let id = 1; id <= 20; id++) await t.call('GET', `/api/v1/products/${id * 7919}`)
    const metric = await t.runtime.metrics.httpRequests.get()
    const routes = new Set(metric.values.map((v) => String(v.labels.route)))
    assert.ok(
      [...routes].every((r) => r === 'unmatched' || r.startsWith('/')),
      [...routes].join(', '),
    )
    assert.ok(![...routes].some((r) => /\d{3,}/.test(r)), 'a raw id leaked into a label')
  })

  test('GET /metrics serves the Prometheus text format', async () => {
    const res = await t.call('GET', '/metrics')
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    assert.match(res.body, /^# TYPE floodgate_http_requests_total counter$/m)
    assert.match(res.body, /floodgate_http_request_duration_seconds_bucket\{/)
  })
})
