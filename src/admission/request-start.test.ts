import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, test } from 'node:test'
import { loadConfig } from '../config/index.js'
import { ManualClock } from '../platform/clock/index.js'
import { Admission } from './admission.js'
import { parseRequestStart, requestArrival } from './request-start.js'

const NOW = Date.UTC(2026, 11, 1, 12)

describe('X-Request-Start', () => {
  test('reads the stamp in seconds, milliseconds, microseconds or nanoseconds, with or without t=', () => {
    const at = NOW - 1_234
    assert.equal(parseRequestStart(`t=${at / 1000}`), at) // nginx: t=${msec}
    assert.equal(parseRequestStart(`t=${at}`), at)
    assert.equal(parseRequestStart(String(at)), at)
    assert.equal(parseRequestStart(`t=${at * 1000}`), at)
    assert.equal(parseRequestStart(`t=${at * 1_000_000}`), at)
    assert.equal(parseRequestStart([`t=${at}`, 't=1']), at, 'a repeated header: the first')
    for (const bad of [undefined, '', 't=', 'soon', 't=-5', 't=0', 't=NaN', 't=Infinity'])
      assert.equal(parseRequestStart(bad), undefined, String(bad))
  })

  const request = (header: string | undefined, remoteAddress = '10.0.0.2') =>
    ({
      headers: header === undefined ? {} : { 'x-request-start': header },
      socket: { remoteAddress },
    }) as unknown as IncomingMessage

  test('a stamp counts only from a trusted proxy, never in the future, and not when it is far off', () => {
    const now = () => NOW
    const trusted = requestArrival((address) => address === '10.0.0.2', now)
    assert.equal(trusted(request(`t=${NOW - 300}`)), NOW - 300)
    assert.equal(trusted(request(`t=${NOW - 300}`, '203.0.113.9')), NOW, 'anyone else: now')
    assert.equal(trusted(request(undefined)), NOW)
    assert.equal(trusted(request(`t=${NOW + 40}`)), NOW, 'a clock ahead: now')
    assert.equal(trusted(request(`t=${NOW - 2 * 3_600_000}`)), NOW, 'two hours off: ignored')
    assert.equal(trusted(request('garbage')), NOW)
    assert.equal(requestArrival(false, now)(request(`t=${NOW - 300}`)), NOW, 'no trusted proxies: always now')
  })

  test('checkout may have waited until its deadline, anything else until the queue timeout', () => {
    const clock = new ManualClock(NOW)
    const admission = new Admission({
      config: loadConfig({ ADMISSION_DEADLINE_MS: '2000', ADMISSION_QUEUE_TIMEOUT_MS: '250' }).admission,
      clock,
    })
    assert.equal(admission.waitedTooLong('critical', NOW - 1_999), undefined)
    assert.equal(admission.waitedTooLong('critical', NOW - 2_000), 'deadline')
    for (const priority of ['important', 'sheddable'] as const) {
      assert.equal(admission.waitedTooLong(priority, NOW - 249), undefined)
      assert.equal(admission.waitedTooLong(priority, NOW - 250), 'queue_timeout')
    }
    assert.equal(admission.waitedTooLong('sheddable', NOW), undefined, 'seen on arrival: waited nothing')
  })
})
