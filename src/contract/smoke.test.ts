import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { mintToken } from '../auth/index.js'
import { loadConfig } from '../config/index.js'
import { createRuntime, type Runtime } from '../runtime.js'
import { assertInvariants } from '../testing/invariants.js'
import { formatChecks, runSmoke } from './smoke.js'

const spec = JSON.parse(fs.readFileSync(new URL('../../openapi/v1.json', import.meta.url), 'utf8'))
const SECRET = 'smoke-test-secret-that-is-long-enough-to-use'

describe('npm run smoke', () => {
  let runtime: Runtime
  let target: string
  let token: string
  let proxy: http.Server
  let brokenTarget: string
  before(async () => {
    runtime = await createRuntime(
      loadConfig({ DATABASE_URL: 'sqlite::memory:', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', SEED: 'demo' }),
      { background: false, defaultMetrics: false },
    )
    await runtime.app.listen({ port: 0, host: '127.0.0.1' })
    target = `http://127.0.0.1:${(runtime.app.server.address() as AddressInfo).port}`
    token = await mintToken(SECRET, { userId: 1 })
    // A release that lost a route: the same server behind a proxy that no longer knows /products/top.
    proxy = http.createServer((req, res) => {
      if (req.url?.startsWith('/api/v1/products/top')) {
        res.writeHead(404, { 'content-type': 'application/problem+json' })
        res.end(
          JSON.stringify({
            type: 'about:blank',
            title: 'No such route',
            status: 404,
            detail: 'gone',
            code: 'ROUTE_NOT_FOUND',
          }),
        )
        return
      }
      const upstream = http.request(
        `${target}${req.url}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
        },
      )
      req.pipe(upstream)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    brokenTarget = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  })
  after(async () => {
    await new Promise<void>((resolve) => proxy.close(() => resolve()))
    await runtime.close()
  })

  test('passes against a healthy server: every read endpoint and the write journey', async () => {
    const checks = await runSmoke({ target, spec, token })
    assert.ok(
      checks.every((c) => c.ok),
      formatChecks(checks),
    )
    const names = checks.map((c) => c.name)
    for (const expected of [
      'GET /api/v1/products/top',
      'GET /api/products/popular',
      'GET /api/v1/orders/1',
      'POST /api/v1/orders/1/cancel',
      'GET /api/v1/points/users/1/history',
      'GET /health/ready',
    ]) {
      assert.ok(names.includes(expected), `${expected} was not checked:\n${names.join('\n')}`)
    }
    const stock = (await (await fetch(`${target}/api/v1/products/1`)).json()) as { stock: number }
    assert.equal(stock.stock, 120, 'the journey gave its unit back')
    await assertInvariants(runtime.db)
  })

  test('fails against a server that lost a documented route, and names it', async () => {
    const checks = await runSmoke({ target: brokenTarget, spec, token })
    const failed = checks.filter((c) => !c.ok).map((c) => c.name)
    assert.deepEqual(failed, ['GET /api/v1/products/top'])
  })
})
