import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { main } from './cli.js'
import { evaluateSlo, goodputObjectiveMs, parseSlo } from './slo.js'
import { Recorder } from './stats/index.js'
import { startTinyServer, type TinyServer } from './testing/tiny-server.js'

describe('SLO parsing', () => {
  test('reads latency, rates and goodput with their units', () => {
    assert.deepEqual(
      parseSlo('p95<300ms, p99.9<=1.5s,errors<1%,shed<5%,goodput>=400/s,lateness<5ms').map((o) => [
        o.metric,
        o.op,
        o.limit,
        o.unit,
      ]),
      [
        ['p95', '<', 300, 'ms'],
        ['p99.9', '<=', 1500, 'ms'],
        ['errors', '<', 1, '%'],
        ['shed', '<', 5, '%'],
        ['goodput', '>=', 400, '/s'],
        ['lateness', '<', 5, 'ms'],
      ],
    )
    assert.equal(goodputObjectiveMs(parseSlo('p99<800ms,p95<300ms,errors<1%')), 300)
    assert.equal(goodputObjectiveMs(parseSlo('errors<1%')), 1000)
  })

  test('rejects what it cannot read', () => {
    for (const bad of ['', 'p95<300', 'errors<1ms', 'p95=300ms', 'p42<1s', 'goodput>3ms', 'speed>1%']) {
      assert.throws(() => parseSlo(bad), /SLO|empty/, bad)
    }
  })
})

describe('SLO gate', () => {
  const result = () => {
    const r = new Recorder(300)
    for (let i = 0; i < 100; i++) {
      r.offered(i * 10, i * 10)
      r.completed('x.y', i * 10, i * 10 + (i < 90 ? 50 : 500), i === 0 ? 'error' : 'ok', i === 0 ? 500 : 200)
    }
    r.close()
    return r.result({ scenario: 's', target: 't', startedAt: '', durationSec: 1, options: {} })
  }

  test('passes when every objective holds and fails when one does not', () => {
    const pass = evaluateSlo(result(), 'p50<100ms,errors<=1%')
    assert.equal(pass.pass, true)
    const fail = evaluateSlo(result(), 'p50<100ms,p95<300ms,errors<1%')
    assert.equal(fail.pass, false)
    assert.deepEqual(
      fail.checks.map((c) => [c.objective, c.pass]),
      [
        ['p50<100ms', true],
        ['p95<300ms', false],
        ['errors<1%', false],
      ],
    )
    assert.equal(fail.checks[1]!.actual, 500.223)
  })

  test('stale answers count as OK everywhere but in the stale objective', () => {
    const r = new Recorder(300)
    for (let i = 0; i < 100; i++) {
      r.offered(i * 10, i * 10)
      r.completed('x.y', i * 10, i * 10 + 5, 'ok', 200, undefined, i < 3)
    }
    r.close()
    const stale = r.result({ scenario: 's', target: 't', startedAt: '', durationSec: 1, options: {} })
    assert.deepEqual([stale.totals.ok, stale.totals.goodput, stale.totals.stale], [100, 100, 3])
    assert.deepEqual(
      parseSlo('stale<1%').map((o) => [o.metric, o.limit, o.unit]),
      [['stale', 1, '%']],
    )
    assert.throws(() => parseSlo('stale<1ms'), /percentage/)
    const report = evaluateSlo(stale, 'p95<300ms,errors<1%,stale<5%,stale<1%')
    assert.deepEqual(
      report.checks.map((c) => [c.objective, c.metric === 'stale' ? c.actual : '-', c.pass]),
      [
        ['p95<300ms', '-', true],
        ['errors<1%', '-', true],
        ['stale<5%', 3, true],
        ['stale<1%', 3, false],
      ],
    )
    // A result written before stale answers were counted has none.
    const { staleRate: _, ...older } = stale.totals
    assert.equal(evaluateSlo({ ...stale, totals: older }, 'stale<1%').pass, true)
  })

  const servers: TinyServer[] = []
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-slo-'))
  after(async () => {
    await Promise.all(servers.map((s) => s.close()))
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('the command exits 1 when an SLO fails and 0 when it holds', async () => {
    const dataFile = path.join(dir, 'seed.json')
    fs.writeFileSync(dataFile, JSON.stringify({ productIds: [], firstUserId: 1, users: 10 }))
    const healthy = await startTinyServer((_req, res) => res.end('ok'))
    const broken = await startTinyServer((_req, res) => {
      res.statusCode = 500
      res.end()
    })
    servers.push(healthy, broken)
    const scenario = path.join(import.meta.dirname, 'testing/ping-scenario.ts')
    const args = (target: string) => [
      'run',
      '--target',
      target,
      '--scenario',
      scenario,
      '--data',
      dataFile,
      '--secret',
      'a-test-secret-that-is-long-enough-0123456789',
      '--slo',
      'p95<500ms,errors<1%',
      '--json',
      path.join(dir, 'result.json'),
      '--quiet',
    ]
    assert.equal(await main(args(healthy.url)), 0)
    assert.equal(await main(args(broken.url)), 1)
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'))
    assert.equal(written.slo.pass, false)
    assert.equal(written.totals.errors, 50)
    assert.equal(await main(['run', '--target', healthy.url, '--prepare', '--slo', 'p95<fast']), 2)
  })
})
