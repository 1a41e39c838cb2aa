/** The run's report: one self-contained HTML file with the charts and the summary tables. */
import type { RunResult } from '../stats/index.js'
import { CHART_SCRIPT, type ChartSpec, STANDARD_CHARTS } from './charts.js'
import { escapeHtml, page } from './page.js'
import { latencyTable, sloTable, stagesTable, statusTable, stepsTable, summaryTable } from './tables.js'

const chartDivs = (charts: ChartSpec[]) =>
  `<div class="grid">${charts.map((c) => `<div class="chart" id="${c.id}"></div>`).join('')}</div>`

export function renderReport(result: RunResult): string {
  const body = `
<h1>Floodgate load test: ${escapeHtml(result.scenario)}</h1>
<div class="meta">${escapeHtml(result.target)} · started ${escapeHtml(result.startedAt)} · ${result.durationSec.toFixed(0)} s scheduled · scale ${escapeHtml(String(result.options['scale'] ?? 1))}</div>
${sloTable(result.slo)}
<h2>Over time</h2>
${chartDivs(STANDARD_CHARTS)}
<p class="note">Open model: requests are offered on the schedule whatever the server does; latency runs from
each request's intended start, so waiting for a free user or connection is included. Generator lateness is
the tool's own delay in picking up an arrival: if it is high, the load generator, not the server, was slow.</p>
<h2>Stages</h2>
${stagesTable(result)}
<h2>Summary</h2>
${summaryTable(result)}
${latencyTable(result)}
<h2>Journey steps</h2>
${stepsTable(result)}
<h2>Status codes and client-side failures</h2>
${statusTable(result)}
`
  return page({
    title: `Load test ${result.scenario}`,
    body,
    data: { runs: [{ label: result.scenario, timeline: result.timeline }], charts: STANDARD_CHARTS, result },
    script: CHART_SCRIPT,
  })
}
