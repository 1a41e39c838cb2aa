/**
 * The report is one HTML file that holds its data and draws its charts with no network. Parsed and
 * rendered by a real browser (Debian's chromium) when the machine has one.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, test } from 'node:test'
import { evaluateSlo } from '../slo.js'
import { Recorder, type RunResult } from '../stats/index.js'
import { compareText, renderCompare } from './compare.js'
import { renderReport } from './html.js'

const CHROMIUM = '/usr/bin/chromium'

function sampleResult(): RunResult {
  const r = new Recorder(300)
  for (let i = 0; i < 3000; i++) {
    const intended = i
    r.offered(intended, intended)
    r.sent(intended, intended)
    const status = i % 50 === 0 ? 503 : 200
    r.completed(
      i % 3 ? 'browse.list' : 'buy.order',
      intended,
      intended + 5 + (i % 100),
      status === 200 ? 'ok' : 'shed',
      status,
      undefined,
      status === 200 && i % 10 === 1,
    )
  }
  r.close()
  const result = r.result({
    scenario: 'blackfriday',
    target: 'http://127.0.0.1:3000',
    startedAt: '2026-12-01T10:00:00Z',
    durationSec: 3,
    options: {},
  })
  result.slo = evaluateSlo(result, 'p95<300ms,errors<1%')
  return result
}

const embedded = (html: string) => {
  const m = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html)
  assert.ok(m, 'the data block is present')
  return JSON.parse(m[1]!) as { runs: { timeline: unknown[] }[]; result?: RunResult }
}

describe('HTML report', () => {
  test('is self-contained and holds the whole result', () => {
    const result = sampleResult()
    const html = renderReport(result)
    assert.ok(html.startsWith('<!doctype html>'))
    // No external script, stylesheet or image: the browser test below also blocks every fetch.
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|<img[^>]+src=/i)
    const data = embedded(html)
    assert.deepEqual(data.result, JSON.parse(JSON.stringify(result)))
    assert.equal(data.runs[0]!.timeline.length, 4, 'answers still arrive in second 3')
    assert.match(html, /SLO PASS/)
    assert.match(html, /browse\.list/)
    // One answer in ten was the last good one: counted in the totals and drawn per second.
    assert.match(html, /of ok, stale \(the last good answer, Floodgate-Stale\)<\/td><td>300 \(10\.00%\)/)
    assert.equal(
      result.timeline.reduce((sum, s) => sum + (s.stale ?? 0), 0),
      300,
    )
  })

  test('with shoppers retrying refusals, the resends and the shoppers per step are shown', () => {
    const r = new Recorder(300)
    // Ten shoppers order; each is refused once and gets through on the resend.
    for (let i = 0; i < 10; i++) {
      r.offered(i, i)
      r.sent(i, i)
      r.completed('buy.order', i, i + 5, 'shed', 503)
      r.sent(i + 1000, i + 1000, true)
      r.completed('buy.order', i + 1000, i + 1010, 'ok', 201)
      r.attempted('buy.order', 'ok', 2)
    }
    r.close()
    const result = r.result({ scenario: 's', target: 't', startedAt: 'x', durationSec: 2, options: {} })
    assert.equal(result.totals.retries, 10)
    const html = renderReport(result)
    assert.match(html, /of sent, resent by shoppers after a refusal \(Retry-After\)<\/td><td>10</)
    assert.match(
      html,
      /<td>buy\.order<\/td><td>10<\/td><td>10<\/td><td>0<\/td><td>0<\/td><td>10 of 10 \(10\)<\/td>/,
    )
    assert.doesNotMatch(
      renderReport(sampleResult()),
      /resent by shoppers|attempts ok/,
      'only when there were resends',
    )
  })

  test('compare prints both runs side by side with the change', () => {
    const a = sampleResult()
    const b: RunResult = {
      ...a,
      latency: { ...a.latency, p95: a.latency.p95 * 2 },
      slo: { ...a.slo!, pass: false },
    }
    const text = compareText(a, b, ['before', 'after'])
    const p95 = text.split('\n').find((line) => line.startsWith('p95 '))
    assert.match(p95!, /99\.01\s+198\s+\+100\.0%/)
    assert.match(text, /SLO\s+PASS\s+FAIL/)
    const html = renderCompare(a, b, ['before', 'after'])
    assert.equal((embedded(html).runs as unknown[]).length, 2)
  })

  test('a scenario name cannot inject markup', () => {
    const result = { ...sampleResult(), scenario: '</script><img src=x onerror=alert(1)>' }
    const html = renderReport(result)
    assert.doesNotMatch(html, /<img src=x/)
    assert.equal(embedded(html).result!.scenario, result.scenario)
  })

  test('renders its charts and tables in a browser', {
    skip: !fs.existsSync(CHROMIUM) && 'no chromium',
  }, async () => {
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    })
    try {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.route('**/*', (route) => route.abort())
      const a = sampleResult()
      await page.setContent(renderReport(a))
      assert.deepEqual(errors, [])
      assert.equal(await page.locator('.chart canvas').count(), 4)
      assert.equal(await page.locator('.verdict.pass').textContent(), 'SLO PASS')
      await page.setContent(renderCompare(a, { ...a, scenario: 'after' }, ['before', 'after']))
      assert.deepEqual(errors, [])
      assert.equal(await page.locator('.chart canvas').count(), 4)
    } finally {
      await browser.close()
    }
  })
})
