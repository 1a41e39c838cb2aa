/**
 * End to end: a real Floodgate child process on the embedded default (fresh SQLite file), data
 * prepared through its admin API, a ~3 s blackfriday run through the CLI, and the JSON it wrote.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { makeTempDir, randomSecret, type ServerProcess, startFloodgate } from '../bench/lib/server.js'
import { main } from './cli.js'
import type { RunResult } from './stats/index.js'

describe('loadtest against a real Floodgate', () => {
  const tmp = makeTempDir()
  const secret = randomSecret()
  let server: ServerProcess
  before(async () => {
    server = await startFloodgate({ dataDir: tmp.dir, seed: 'demo', jwtSecret: secret })
  })
  after(async () => {
    await server?.stop()
    tmp.remove()
  })

  test('blackfriday at 5% for 3 s: every journey step answered as expected, JSON and report written', async () => {
    const json = path.join(tmp.dir, 'result.json')
    const report = path.join(tmp.dir, 'report.html')
    const code = await main([
      '--target',
      server.url,
      '--scenario',
      'blackfriday',
      '--scale',
      '0.05',
      '--duration',
      '3s',
      '--prepare',
      // One form: a random base64url secret starts with '-' one time in 64, which a separate
      // argument would make look like an option.
      `--secret=${secret}`,
      '--json',
      json,
      '--report',
      report,
      '--slo',
      'p99<2s,errors<1%',
      '--quiet',
    ])
    const result = JSON.parse(fs.readFileSync(json, 'utf8')) as RunResult
    assert.equal(code, 0, JSON.stringify(result.slo))
    assert.equal(result.scenario, 'blackfriday')
    assert.equal(result.durationSec, 3)
    // 5% of the shape squeezed into 3 s: between 2.5 and 22.5 req/s, about 40 arrivals.
    assert.ok(result.totals.offered >= 20 && result.totals.offered <= 80, `offered ${result.totals.offered}`)
    assert.equal(result.totals.completed, result.totals.offered)
    assert.equal(result.totals.errors + result.totals.failures, 0, JSON.stringify(result.status))
    assert.equal(result.totals.ok, result.totals.offered)
    assert.ok(result.steps.some((s) => s.name === 'browse.list'))
    assert.ok(Object.keys(result.status).every((s) => s === '200' || s === '201'))
    assert.ok(result.latency.p50 > 0 && result.latency.max < 2000)
    assert.equal(result.slo?.pass, true)
    assert.equal(result.timeline.length >= 3, true)
    assert.match(fs.readFileSync(report, 'utf8'), /Floodgate load test: blackfriday/)
  })
})
