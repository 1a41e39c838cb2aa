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
})
