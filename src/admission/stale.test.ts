import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { loadConfig } from '../config/index.js'
import { errorHandler } from '../http/problem.js'
import { ManualClock } from '../platform/clock/index.js'
import { Admission } from './admission.js'
import { registerAdmission } from './hooks.js'

test('a catalog read that finds the database saturated is answered with its last good answer, marked stale', async () => {
  const clock = new ManualClock(0)
  const admission = new Admission({
    config: loadConfig({}).admission,
    clock,
    eventLoop: () => ({ utilization: 0, lagMs: 0 }),
  })
  const app = Fastify()
  app.setErrorHandler(errorHandler)
  registerAdmission(app, admission)
  let saturated = false
  let served = 0
  app.get('/api/v1/things', { config: { stale: true } }, async () => {
    // What the MySQL pool throws when no connection frees up within its acquire timeout.
    if (saturated) throw Object.assign(new Error('pool acquire timeout'), { code: 'POOL_ACQUIRE_TIMEOUT' })
    return { served: ++served }
  })
  app.get('/api/v1/other', async () => {
    throw Object.assign(new Error('pool acquire timeout'), { code: 'POOL_ACQUIRE_TIMEOUT' })
  })
  try {
    const fresh = await app.inject({ method: 'GET', url: '/api/v1/things' })
    assert.deepEqual(fresh.json(), { served: 1 })
    saturated = true
    clock.advance(61_000)
    const stale = await app.inject({ method: 'GET', url: '/api/v1/things' })
    assert.equal(stale.statusCode, 200)
    assert.deepEqual(stale.json(), { served: 1 })
    assert.equal(stale.headers['floodgate-stale'], 'database unavailable')
    assert.equal(stale.headers['age'], '61')
    const never = await app.inject({ method: 'GET', url: '/api/v1/things?page=2' })
    assert.equal(never.statusCode, 503, 'nothing stored for this URL: the error stands')
    assert.equal(never.json().code, 'DATABASE_UNAVAILABLE')
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/other' })).statusCode, 503)
    assert.equal(admission.limiter.inService, 0)
    clock.advance(10 * 60_000)
    const tooOld = await app.inject({ method: 'GET', url: '/api/v1/things' })
    assert.equal(tooOld.statusCode, 503, 'an answer older than 10 minutes is not served')
  } finally {
    await app.close()
  }
})
