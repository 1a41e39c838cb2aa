import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { expectProblem, startTestApp, type TestApp } from '../testing/harness.js'

describe('the storefront at /', () => {
  let t: TestApp
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-web-'))
  before(async () => {
    fs.mkdirSync(path.join(dir, 'assets'))
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>shop</title>')
    fs.writeFileSync(path.join(dir, 'assets', 'app-1a2b.js'), 'console.log(1)')
    t = await startTestApp({ STOREFRONT_DIR: dir })
  })
  after(async () => {
    await t.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const html = { accept: 'text/html,application/xhtml+xml' }

  const count = async (route: string) =>
    (await t.runtime.metrics.httpRequests.get()).values
      .filter((v) => v.labels.route === route)
      .reduce((sum, v) => sum + v.value, 0)

  test('serves the page at / and at page addresses, revalidated on every visit', async () => {
    for (const url of ['/', '/cart', '/products/7']) {
      const res = await t.call('GET', url, { headers: html })
      assert.equal(res.statusCode, 200, url)
      assert.match(String(res.headers['content-type']), /^text\/html/)
      assert.match(res.body, /<title>shop<\/title>/)
      assert.equal(res.headers['cache-control'], 'no-cache')
    }
    assert.equal(await count('storefront'), 2)
  })

  test('fingerprinted assets are cached for good', async () => {
    const res = await t.call('GET', '/assets/app-1a2b.js')
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
  })

  test('API paths stay problem+json ROUTE_NOT_FOUND, counted as unmatched, even for a browser', async () => {
    const before = await count('unmatched')
    await expectProblem(t.call('GET', '/api/v1/prodcts', { headers: html }), 404, 'ROUTE_NOT_FOUND')
    await expectProblem(t.call('GET', '/api/nothing', { headers: html }), 404, 'ROUTE_NOT_FOUND')
    await expectProblem(t.call('GET', '/assets/missing.js', { headers: html }), 404, 'ROUTE_NOT_FOUND')
    await expectProblem(t.call('GET', '/cart'), 404, 'ROUTE_NOT_FOUND')
    await expectProblem(t.call('POST', '/cart', { headers: html, body: {} }), 404, 'ROUTE_NOT_FOUND')
    assert.equal((await count('unmatched')) - before, 5)
  })

  test('the API itself is untouched', async () => {
    const res = await t.call('GET', '/api/v1/products')
    assert.equal(res.statusCode, 200)
  })
})
