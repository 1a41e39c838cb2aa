/**
 * `compare a.json b.json`: the two runs side by side (a table for the terminal) and one HTML file
 * with both runs' timelines overlaid (b dashed), for before/after a change or protection on/off.
 */
import type { RunResult } from '../stats/index.js'
import { CHART_SCRIPT, STANDARD_CHARTS } from './charts.js'
import { escapeHtml, page } from './page.js'
import { table } from './tables.js'

interface Row {
  label: string
  get: (r: RunResult) => number
  unit: string
  /** Whether a larger value is better (for the change column's sign). */
  higherIsBetter: boolean
}

const ROWS: Row[] = [
  { label: 'offered req/s', get: (r) => r.totals.offeredRps, unit: '', higherIsBetter: true },
  { label: 'completed req/s', get: (r) => r.totals.completedRps, unit: '', higherIsBetter: true },
  { label: 'goodput req/s', get: (r) => r.totals.goodputRps, unit: '', higherIsBetter: true },
  { label: 'p50', get: (r) => r.latency.p50, unit: 'ms', higherIsBetter: false },
  { label: 'p95', get: (r) => r.latency.p95, unit: 'ms', higherIsBetter: false },
  { label: 'p99', get: (r) => r.latency.p99, unit: 'ms', higherIsBetter: false },
  { label: 'max', get: (r) => r.latency.max, unit: 'ms', higherIsBetter: false },
  { label: 'errors %', get: (r) => r.totals.errorRate * 100, unit: '%', higherIsBetter: false },
  { label: 'shed %', get: (r) => r.totals.shedRate * 100, unit: '%', higherIsBetter: false },
  { label: 'send lateness p99', get: (r) => r.sendLateness.p99, unit: 'ms', higherIsBetter: false },
]

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2))

function change(a: number, b: number): string {
  if (a === 0) return b === 0 ? '=' : 'new'
  const d = ((b - a) / a) * 100
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)}%`
}

export function compareRows(a: RunResult, b: RunResult): string[][] {
  return ROWS.map((row) => [row.label, fmt(row.get(a)), fmt(row.get(b)), change(row.get(a), row.get(b))])
}

/** A plain-text table for the terminal. */
export function compareText(a: RunResult, b: RunResult, names: [string, string]): string {
  const rows = [['', names[0], names[1], 'change'], ...compareRows(a, b)]
  const slo = (r: RunResult) => (r.slo ? (r.slo.pass ? 'PASS' : 'FAIL') : '-')
  rows.push(['SLO', slo(a), slo(b), ''])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n')
}

export function renderCompare(a: RunResult, b: RunResult, names: [string, string]): string {
  const body = `
<h1>Floodgate load test: ${escapeHtml(names[0])} vs ${escapeHtml(names[1])}</h1>
<div class="meta">${escapeHtml(names[1])} is drawn dashed.</div>
${table(['', escapeHtml(names[0]), escapeHtml(names[1]), 'change'], compareRows(a, b))}
<div class="grid">${STANDARD_CHARTS.map((c) => `<div class="chart" id="${c.id}"></div>`).join('')}</div>
`
  return page({
    title: `Compare ${names[0]} vs ${names[1]}`,
    body,
    data: {
      runs: [
        { label: names[0], timeline: a.timeline },
        { label: names[1], timeline: b.timeline },
      ],
      charts: STANDARD_CHARTS,
    },
    script: CHART_SCRIPT,
  })
}
