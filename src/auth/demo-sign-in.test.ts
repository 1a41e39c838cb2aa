import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { loadConfig } from '../config/index.js'
import { expectProblem, startTestApp, type TestApp } from '../testing/harness.js'

describe('demo sign-in on the embedded default (generated secret)', () => {
  let t: TestApp
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-demo-'))
  before(async () => {
    // No JWT_SECRET: the runtime generates one into DATA_DIR, as `npm start` does.
    t = await startTestApp({ JWT_SECRET: '', DATA_DIR: dir, SEED: 'demo' })
  })
  after(async () => {
    await t.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('returns a working token for a seeded customer, acting only as that customer', async () => {
    const res = await t.call('POST', '/api/v1/demo/sign-in', { body: { userId: 2 } })
    assert.equal(res.statusCode, 200, res.body)
    const session = res.json()
    assert.equal(session.userId, 2)
    assert.equal(session.role, 'customer')
    assert.equal(session.name, 'Joon Park')
    assert.ok(Date.parse(session.expiresAt) > t.clock.now())
    const own = await t.call('GET', '/api/v1/points/users/2', { token: session.token })
    assert.equal(own.statusCode, 200)
    await expectProblem(t.call('GET', '/api/v1/points/users/1', { token: session.token }), 403, 'FORBIDDEN')
  })

  test('the seeded admin gets an admin token', async () => {
    const session = (await t.call('POST', '/api/v1/demo/sign-in', { body: { userId: 1000 } })).json()
    assert.equal(session.role, 'admin')
    const created = await t.call('POST', '/api/v1/admin/products', {
      token: session.token,
      body: { name: 'Demo admin check', price: 1_000, stock: 1 },
    })
    assert.equal(created.statusCode, 201, created.body)
  })

  test('an unknown user is NOT_FOUND and a bad body is VALIDATION_FAILED', async () => {
    await expectProblem(t.call('POST', '/api/v1/demo/sign-in', { body: { userId: 77 } }), 404, 'NOT_FOUND')
    await expectProblem(
      t.call('POST', '/api/v1/demo/sign-in', { body: { userId: 1, role: 'admin' } }),
      400,
      'VALIDATION_FAILED',
    )
  })
})

describe('demo sign-in elsewhere', () => {
  test('is refused with DEMO_SIGN_IN_DISABLED when a JWT secret is configured', async () => {
    const t = await startTestApp({ SEED: 'demo' })
    try {
      await expectProblem(
        t.call('POST', '/api/v1/demo/sign-in', { body: { userId: 1 } }),
        403,
        'DEMO_SIGN_IN_DISABLED',
      )
    } finally {
      await t.close()
    }
  })

  test('is off in production, with a JWKS, or when DEMO_SIGN_IN=off', () => {
    const base = { DATABASE_URL: 'sqlite::memory:' }
    assert.equal(loadConfig(base).demoSignIn, true)
    assert.equal(
      loadConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).demoSignIn,
      false,
    )
    assert.equal(loadConfig({ ...base, JWT_JWKS_URL: 'https://id.example/jwks' }).demoSignIn, false)
    assert.equal(loadConfig({ ...base, DEMO_SIGN_IN: 'off' }).demoSignIn, false)
  })
})
