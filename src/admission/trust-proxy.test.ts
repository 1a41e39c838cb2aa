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

describe("a trusted balancer's X-Request-Start", () => {
  let stamped: TestApp
  let switchedOff: TestApp
  let untrusted: TestApp
  before(async () => {
    // The harness gives requests an hour (one manual-clock instant carries thousands); not here.
    const deadline = { ADMISSION_DEADLINE_MS: '2000' }
    stamped = await startTestApp({ ...deadline, TRUST_PROXY: 'true' })
    switchedOff = await startTestApp({ ...deadline, TRUST_PROXY: 'true', ADMISSION_REQUEST_START: 'off' })
    untrusted = await startTestApp(deadline)
  })
  after(() => Promise.all([stamped.close(), switchedOff.close(), untrusted.close()]))

  /** An order for a product that does not exist: 404 once it reaches the handler. */
  const order = async (t: TestApp, waitedMs: number) =>
    t.call('POST', '/api/v1/orders', {
      token: await t.token(5),
      headers: { 'x-request-start': `t=${(t.clock.now() - waitedMs) / 1000}` },
      body: { userId: 5, items: [{ productId: 999_999, quantity: 1 }] },
    })

  test('checkout that waited out its deadline there is refused before any work', async () => {
    const late = await order(stamped, 2_500)
    assert.equal(late.statusCode, 503)
    assert.deepEqual([late.json().code, late.json().reason], ['OVERLOADED', 'deadline'])
    assert.equal(late.headers['retry-after'], '1')
    assert.equal((await order(stamped, 1_500)).statusCode, 404, 'within its deadline: served')
  })

  test('without trust in the proxy, or with ADMISSION_REQUEST_START=off, the stamp is ignored', async () => {
    assert.equal((await order(untrusted, 2_500)).statusCode, 404)
    assert.equal((await order(switchedOff, 2_500)).statusCode, 404)
  })
})
