/** The report's tables, rendered to HTML on the server side so they read without JavaScript. */
import type { Ramp, Stage } from '../scheduler/index.js'
import type { LatencySummary, RunResult, SloReport } from '../stats/index.js'
import { escapeHtml } from './page.js'

const n = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 1 })
const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ms`
const pct = (v: number) => `${(v * 100).toFixed(2)}%`

export const table = (head: string[], rows: string[][]): string =>
  `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`

const latencyCells = (l: LatencySummary) => [l.p50, l.p90, l.p95, l.p99, l.p999, l.max].map(ms)
const LATENCY_HEAD = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max']

export function sloTable(slo: SloReport | undefined): string {
  if (!slo) return '<p class="note">No SLO given (<code>--slo "p95&lt;300ms,errors&lt;1%"</code>).</p>'
  const verdict = `<div class="verdict ${slo.pass ? 'pass' : 'fail'}">SLO ${slo.pass ? 'PASS' : 'FAIL'}</div>`
  return (
    verdict +
    table(
      ['objective', 'measured', 'result'],
      slo.checks.map((c) => [
        escapeHtml(c.objective),
        `${n(c.actual)} ${c.unit}`,
        `<span class="${c.pass ? 'pass' : 'fail'}">${c.pass ? 'PASS' : 'FAIL'}</span>`,
      ]),
    )
  )
}

export function summaryTable(r: RunResult): string {
  const t = r.totals
  return table(
    ['', 'count', 'per second'],
    [
      ['offered (schedule)', n(t.offered), n(t.offeredRps)],
      ['sent', n(t.sent), n(t.sent / (r.durationSec || 1))],
      ...(t.retries
        ? [
            [
              'of sent, resent by shoppers after a refusal (Retry-After)',
              n(t.retries),
              n(t.retries / (r.durationSec || 1)),
            ],
          ]
        : []),
      ['completed', n(t.completed), n(t.completedRps)],
      ['ok (expected status)', n(t.ok), n(t.ok / (r.durationSec || 1))],
      [`goodput (ok within ${r.goodputObjectiveMs} ms)`, n(t.goodput), n(t.goodputRps)],
      [
        'of ok, stale (the last good answer, Floodgate-Stale)',
        `${n(t.stale ?? 0)} (${pct(t.staleRate ?? 0)})`,
        '',
      ],
      ['shed (429/503)', `${n(t.shed)} (${pct(t.shedRate)})`, ''],
      ['errors (unexpected status)', n(t.errors), ''],
      ['no answer (reset, refused, timeout, unsent)', n(t.failures), ''],
      ['error rate (errors + no answer)', pct(t.errorRate), ''],
    ],
  )
}

export function latencyTable(r: RunResult): string {
  return table(
    ['', ...LATENCY_HEAD],
    [
      ['latency (from intended start)', ...latencyCells(r.latency)],
      // Older result files have no split; overload protection is judged on the two apart.
      ...(r.latencyByOutcome
        ? [
            ['served answers', ...latencyCells(r.latencyByOutcome.ok)],
            ['refusals (429/503): time to reject', ...latencyCells(r.latencyByOutcome.shed)],
          ]
        : []),
      ['generator send lateness', ...latencyCells(r.sendLateness)],
      ['wait for a user or connection', ...latencyCells(r.queueWait)],
    ],
  )
}

export function stepsTable(r: RunResult): string {
  // With shoppers retrying refusals, requests and shoppers differ: both are shown.
  const retried = (r.totals.retries ?? 0) > 0
  return table(
    [
      'journey.step',
      'ok',
      'shed',
      'errors',
      'no answer',
      ...(retried ? ["shoppers' attempts ok (resends)"] : []),
      ...LATENCY_HEAD,
    ],
    r.steps.map((s) => [
      escapeHtml(s.name),
      n(s.ok),
      n(s.shed),
      n(s.errors),
      n(s.failures),
      ...(retried
        ? [s.attempts ? `${n(s.attempts.ok)} of ${n(s.attempts.count)} (${n(s.attempts.retries)})` : '']
        : []),
      ...latencyCells(s.latency),
    ]),
  )
}

export function statusTable(r: RunResult): string {
  const rows = Object.entries(r.status).map(([code, count]) => [code, n(count)])
  for (const [kind, count] of Object.entries(r.failures))
    if (count > 0) rows.push([`no answer: ${kind}`, n(count)])
  return table(['status', 'count'], rows)
}

const rampText = (r: Ramp | number) =>
  typeof r === 'number' || r.from === r.to
    ? n(typeof r === 'number' ? r : r.from)
    : `${n(r.from)} → ${n(r.to)}`

/** The load profile as run (after --scale and --duration), so the charts' seconds can be read. */
export function stagesTable(r: RunResult): string {
  const stages = r.options['stages'] as Stage[] | undefined
  if (!Array.isArray(stages)) return ''
  let start = 0
  return table(
    ['stage', 'seconds', 'offered req/s', 'users'],
    stages.map((s, i) => {
      const row = [
        escapeHtml(s.label ?? `stage ${i + 1}`),
        `${n(start)}–${n(start + s.durationSec)}`,
        rampText(s.rate),
        rampText(s.users),
      ]
      start += s.durationSec
      return row
    }),
  )
}
