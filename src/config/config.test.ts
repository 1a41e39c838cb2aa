import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError, loadConfig } from './index.js'

describe('config', () => {
  test('defaults are the documented ones', () => {
    const c = loadConfig({})
    assert.equal(c.port, 3000)
    assert.equal(c.host, '127.0.0.1')
    assert.equal(c.databaseUrl, 'sqlite:./data/floodgate.db')
    assert.equal(c.seed, 'demo')
    assert.deepEqual(c.points, { minCharge: 1000, maxCharge: 1_000_000, maxBalance: 10_000_000 })
    assert.equal(c.orders.paymentTtlSeconds, 600)
    assert.equal(c.orders.maxQuantityPerLine, 100)
    assert.equal(c.ranking.maxStalenessSeconds, 5)
    assert.equal(c.orders.batching, true)
  })

  test('admission defaults need no tuning, and inconsistent timeouts are refused', () => {
    const { admission, http } = loadConfig({})
    assert.equal(admission.enabled, true)
    assert.equal(admission.deadlineMs, 2000)
    assert.equal(admission.queueTimeoutMs, 250)
    assert.equal(admission.queueTargetMs, 5)
    assert.equal(admission.criticalWaitMs, 100)
    assert.equal(admission.eventLoopThreshold, 0.95)
    assert.equal(admission.eventLoopLagMs, 50)
    assert.deepEqual(admission.rateLimit, { user: { rate: 10, burst: 40 }, ip: { rate: 50, burst: 200 } })
    assert.deepEqual(http, {
      backlog: 4096,
      maxConnections: 10_000,
      keepAliveTimeoutMs: 72_000,
      trustProxy: false,
    })
    assert.equal(loadConfig({ FLOODGATE_ADMISSION: 'off' }).admission.enabled, false)
    assert.equal(loadConfig({}).admission.edge, true)
    assert.equal(loadConfig({ ADMISSION_EDGE: 'off' }).admission.edge, false)
    assert.throws(() => loadConfig({ ADMISSION_EDGE: 'maybe' }), /ADMISSION_EDGE/)
    assert.equal(loadConfig({}).admission.requestStart, true)
    assert.equal(loadConfig({ ADMISSION_REQUEST_START: 'off' }).admission.requestStart, false)
    assert.equal(loadConfig({ RATE_LIMIT_IP_RATE: '0.5' }).admission.rateLimit.ip.rate, 0.5)
    assert.throws(() => loadConfig({ FLOODGATE_ADMISSION: 'maybe' }), /FLOODGATE_ADMISSION/)
    assert.throws(
      () => loadConfig({ ADMISSION_QUEUE_TIMEOUT_MS: '5000' }),
      /shorter than ADMISSION_DEADLINE_MS/,
    )
    assert.throws(
      () => loadConfig({ ADMISSION_CRITICAL_WAIT_MS: '2000' }),
      /ADMISSION_CRITICAL_WAIT_MS must be shorter than ADMISSION_DEADLINE_MS/,
    )
    assert.throws(() => loadConfig({ DB_POOL_ACQUIRE_TIMEOUT_MS: '3000' }), /DB_POOL_ACQUIRE_TIMEOUT_MS/)
    assert.throws(() => loadConfig({ ADMISSION_EVENT_LOOP_THRESHOLD: '2' }), /ADMISSION_EVENT_LOOP_THRESHOLD/)
  })

  test('every bad variable is reported at once', () => {
    try {
      loadConfig({
        PORT: 'abc',
        SEED: 'lots',
        JWT_SECRET: 'short',
        POINTS_MIN_CHARGE: '5000',
        POINTS_MAX_CHARGE: '10',
        DATABASE_URL: 'oracle://x',
      })
      assert.fail('should have thrown')
    } catch (error) {
      assert.ok(error instanceof ConfigError)
      const text = error.problems.join('\n')
      for (const name of ['PORT', 'SEED', 'JWT_SECRET', 'POINTS_MIN_CHARGE', 'DATABASE_URL'])
        assert.match(text, new RegExp(name))
    }
  })

  test('production refuses to start without a JWT setting', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_SECRET or JWT_JWKS_URL/)
    assert.doesNotThrow(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }))
    assert.doesNotThrow(() =>
      loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://id.example/jwks.json' }),
    )
  })

  test('a database password is never echoed back', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'postgres://app:hunter2@db/shop' }),
      (error: Error) => !error.message.includes('hunter2') && error.message.includes('***'),
    )
  })

  test('--workers N or auto overrides WORKERS; the pool and the data platform have safe defaults', () => {
    assert.equal(loadConfig({}).workers, 1)
    assert.equal(loadConfig({ WORKERS: '3' }).workers, 3)
    assert.equal(loadConfig({ WORKERS: '3' }, ['--workers', '2']).workers, 2)
    assert.equal(loadConfig({}, ['--workers=4']).workers, 4)
    assert.ok(loadConfig({}, ['--workers', 'auto']).workers >= 1)
    assert.deepEqual(loadConfig({}).dbPool, { size: 10, acquireTimeoutMs: 1000, statementTimeoutMs: 5000 })
    assert.equal(loadConfig({}).dataPlatform, undefined)
    assert.deepEqual(loadConfig({ DATA_PLATFORM_URL: 'http://dp.internal/events' }).dataPlatform, {
      url: 'http://dp.internal/events',
      maxAttempts: 10,
      timeoutMs: 5000,
    })
  })

  test('bad workers, flags and data platform settings are refused', () => {
    for (const [env, args, message] of [
      [{ WORKERS: '0' }, [], /WORKERS must be auto or an integer/],
      [{}, ['--workers', 'many'], /WORKERS must be auto or an integer/],
      [{}, ['--verbose'], /unknown option --verbose/],
      [{ DATA_PLATFORM_URL: 'ftp://x' }, [], /DATA_PLATFORM_URL must be an http\(s\) URL/],
      [{ DATA_PLATFORM_URL: 'http://x', DATA_PLATFORM_MAX_ATTEMPTS: '0' }, [], /DATA_PLATFORM_MAX_ATTEMPTS/],
    ] as const) {
      assert.throws(
        () => loadConfig(env, [...args]),
        (error: ConfigError) => message.test(error.message),
      )
    }
  })

  test('TRUST_PROXY: off by default; true, hops or addresses; anything else refused', () => {
    assert.equal(loadConfig({}).http.trustProxy, false)
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy, true)
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy, 2)
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).http.trustProxy, [
      '10.0.0.0/8',
      '127.0.0.1',
    ])
    assert.throws(() => loadConfig({ TRUST_PROXY: 'my-proxy' }), /TRUST_PROXY must be/)
  })
})
