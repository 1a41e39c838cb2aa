/**
 * The Prometheus alert rules (ops/prometheus/alerts.yml) are valid and their unit tests pass:
 * each alert fires on the series it should and stays silent on a healthy fleet. Needs promtool
 * (Debian package `prometheus`; `.ci/run` installs it): skipped loudly without it, and required
 * when FLOODGATE_REQUIRE_SERVICES=1 (CI).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import { ALERT_RULES } from './alert-rules.js'

const root = path.resolve(import.meta.dirname, '../..')
const rulesDir = path.join(root, 'ops/prometheus')
const run = promisify(execFile)

function promtoolMissing(): string | undefined {
  const found = (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && fs.existsSync(path.join(dir, 'promtool')))
  if (found) return undefined
  const why = 'promtool is missing (apt-get install prometheus; .ci/run installs it)'
  if (process.env['FLOODGATE_REQUIRE_SERVICES'] === '1') {
    throw new Error(`the alert rule tests are required here, but ${why}`)
  }
  process.stderr.write(`\n*** SKIPPING the Prometheus alert rule tests: ${why} ***\n\n`)
  return why
}

describe('Prometheus alert rules', () => {
  const skip = promtoolMissing()

  test('promtool check rules: the rules parse', { skip }, async () => {
    const { stdout } = await run('promtool', ['check', 'rules', 'alerts.yml'], { cwd: rulesDir })
    assert.match(stdout, /SUCCESS: \d+ rules found/)
  })

  test('promtool test rules: every alert fires when it should and only then', { skip }, async () => {
    const { stdout } = await run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: rulesDir })
    assert.match(stdout, /SUCCESS/)
  })

  test('promtool check config: the example scrape config loads the rules', { skip }, async () => {
    const { stdout } = await run('promtool', ['check', 'config', '--syntax-only', 'prometheus.yml'], {
      cwd: rulesDir,
    })
    assert.match(stdout, /SUCCESS/)
  })

  test('promtool check rules: every Grafana panel query is valid PromQL', { skip }, async () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'ops/grafana/floodgate.json'), 'utf8'))
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) =>
      (p.targets ?? []).map((t) => t.expr),
    )
    assert.ok(exprs.length >= 20, `${exprs.length} queries`)
    // Each query becomes a recording rule, so promtool parses it; Grafana's variables get plain values.
    const asRules = {
      groups: [
        {
          name: 'dashboard',
          rules: exprs.map((expr, i) => ({
            record: `dashboard:query_${i}`,
            expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*'),
          })),
        },
      ],
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-dashboard-'))
    try {
      // JSON is YAML, so promtool reads it as a rule file.
      fs.writeFileSync(path.join(dir, 'dashboard.yml'), JSON.stringify(asRules))
      const { stdout } = await run('promtool', ['check', 'rules', 'dashboard.yml'], { cwd: dir })
      assert.match(stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`))
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  const rules = fs.readFileSync(path.join(rulesDir, 'alerts.yml'), 'utf8')
  const alerts = [...rules.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]!)

  test('every alert has a P1-P4 severity, a summary and a runbook in docs/runbooks', () => {
    const blocks = rules.split(/^\s+- alert: /m).slice(1)
    assert.equal(blocks.length, alerts.length)
    assert.ok(alerts.length >= 17, `only ${alerts.length} alerts`)
    for (const [i, block] of blocks.entries()) {
      assert.match(block, /severity: P[1-4]\n/, `${alerts[i]}: severity`)
      assert.match(block, /summary: /, `${alerts[i]}: summary`)
      const runbook = /runbook_url: \S+\/docs\/runbooks\/([\w-]+\.md)/.exec(block)?.[1]
      assert.ok(runbook, `${alerts[i]}: runbook_url`)
      assert.ok(fs.existsSync(path.join(root, 'docs/runbooks', runbook)), `${alerts[i]}: ${runbook} missing`)
    }
  })

  test('the ops page evaluates the same alerts: names, severities, `for` and thresholds match', () => {
    const blocks = new Map(
      rules
        .split(/^\s+- alert: /m)
        .slice(1)
        .map((block) => [block.slice(0, block.indexOf('\n')), block]),
    )
    const prometheusOnly = ['FloodgateServiceDown', 'FloodgateInstanceDown']
    assert.deepEqual(
      [...blocks.keys()].filter((name) => !prometheusOnly.includes(name)).sort(),
      ALERT_RULES.map((r) => r.name).sort(),
    )
    const seconds = { s: 1, m: 60, h: 3600 } as const
    for (const rule of ALERT_RULES) {
      const block = blocks.get(rule.name)!
      assert.match(block, new RegExp(`severity: ${rule.severity}\\n`), `${rule.name}: severity`)
      const [, n, unit] = /\n\s+for: (\d+)([smh])\n/.exec(block)!
      assert.equal(Number(n) * seconds[unit as keyof typeof seconds], rule.forSeconds, `${rule.name}: for`)
      const expr = block.slice(block.indexOf('expr:'), block.indexOf('for:'))
      const comparisons = [...expr.matchAll(/(>|==) (\d+(?:\.\d+)?)/g)].map((m) => `${m[1]} ${Number(m[2])}`)
      assert.ok(
        comparisons.includes(`${rule.op} ${rule.threshold}`),
        `${rule.name}: ${comparisons.join(', ')}`,
      )
      assert.match(block, new RegExp(`runbooks/${rule.runbook}`), `${rule.name}: runbook`)
    }
  })

  test('every alert has a unit test that expects it to fire', () => {
    const tests = fs.readFileSync(path.join(rulesDir, 'alerts.test.yml'), 'utf8')
    for (const alert of alerts) {
      assert.match(tests, new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), alert)
    }
  })
})
