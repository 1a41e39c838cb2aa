/**
 * The browser side of the reports: draws uPlot charts from the embedded JSON. Kept as one plain
 * script (no bundler), so the report stays a single file.
 */

/** Draws `charts` (id, title, y label, series of [label, color, values key]) for each run in `runs`. */
export const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var runs = data.runs;
  var dashes = [undefined, [6, 4]];
  function draw(spec) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    var len = Math.max.apply(null, runs.map(function (r) { return r.timeline.length; }));
    var xs = []; for (var i = 0; i < len; i++) xs.push(i);
    var series = [{ label: 't (s)' }];
    var columns = [xs];
    runs.forEach(function (run, ri) {
      spec.series.forEach(function (s) {
        series.push({ label: (runs.length > 1 ? run.label + ' ' : '') + s[0], stroke: s[1], width: 1.6,
          dash: dashes[ri], points: { show: false } });
        columns.push(xs.map(function (x) {
          var p = run.timeline[x]; if (!p) return null;
          var v = s[2].split('.').reduce(function (o, k) { return o == null ? o : o[k]; }, p);
          return v == null ? null : v;
        }));
      });
    });
    new uPlot({ title: spec.title, width: el.clientWidth || 520, height: 280, series: series,
      scales: { x: { time: false } }, legend: { live: false },
      axes: [{ label: 'seconds' }, { label: spec.y, size: 60 }] }, columns, el);
  }
  data.charts.forEach(draw);
})();
`

export type ChartSeries = [label: string, color: string, key: string]

export interface ChartSpec {
  id: string
  title: string
  y: string
  series: ChartSeries[]
}

export const STANDARD_CHARTS: ChartSpec[] = [
  {
    id: 'rate',
    title: 'Requests per second: offered vs completed vs stale vs shed',
    y: 'req/s',
    series: [
      ['offered', '#7b8494', 'offered'],
      ['completed', '#1f6feb', 'completed'],
      ['goodput', '#0a7d32', 'goodput'],
      ['stale', '#6b9e78', 'stale'],
      ['shed', '#d97706', 'shed'],
      ['errors', '#c0262d', 'errors'],
      ['failures', '#7c3aed', 'failures'],
    ],
  },
  {
    id: 'latency',
    title: 'Latency from intended start (ms)',
    y: 'ms',
    series: [
      ['p50', '#0a7d32', 'p50'],
      ['p95', '#d97706', 'p95'],
      ['p99', '#c0262d', 'p99'],
      ['max', '#7b8494', 'max'],
    ],
  },
  {
    id: 'status',
    title: 'Status mix (answers per second)',
    y: 'answers/s',
    series: [
      ['2xx', '#0a7d32', 'status.2xx'],
      ['4xx', '#d97706', 'status.4xx'],
      ['5xx', '#c0262d', 'status.5xx'],
      ['no answer', '#7c3aed', 'failures'],
    ],
  },
  {
    id: 'load',
    title: 'Virtual users, requests in flight, generator lateness p99 (ms)',
    y: 'count / ms',
    series: [
      ['users', '#1f6feb', 'users'],
      ['in flight', '#d97706', 'inFlight'],
      ['lateness p99', '#c0262d', 'lateP99'],
    ],
  },
]
