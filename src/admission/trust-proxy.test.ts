import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestApp, type TestApp } from '../testing/harness.js'

/** One anonymous request allowed per client IP (burst 1, a negligible rate). */
const tightIpLimit = { RATE_LIMIT_IP_RATE: '0.001', RATE_LIMIT_IP_BURST: '1' }
const read = (t: TestApp, ip: string) =>
  t.call('GET', '/api/v1/products', { headers: { 'x-forwarded-for': ip } })

describe('per-IP limits behind a load balancer', () => {
  let trusted: TestApp
  let untrusted: TestApp
  before(async () => {
    trusted = await startTestApp({ ...tightIpLimit, TRUST_PROXY: 'true' })
    untrusted = await startTestApp(tightIpLimit)
  })
  after(() => Promise.all([trusted.close(), untrusted.close()]))

  test('with TRUST_PROXY each forwarded client has its own limit', async () => {
    assert.equal((await read(trusted, '203.0.113.1')).statusCode, 200)
    assert.equal((await read(trusted, '203.0.113.1')).statusCode, 429)
    assert.equal((await read(trusted, '203.0.113.2')).statusCode, 200)
  })

  test('without it the header is ignored: a client cannot pick a fresh address per request', async () => {
    assert.equal((await read(untrusted, '203.0.113.1')).statusCode, 200)
    assert.equal((await read(untrusted, '203.0.113.2')).statusCode, 429)
  })
})
