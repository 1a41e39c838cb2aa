/**
 * The ops page (`/ops`, admins): this instance's last 15 minutes as charts (uPlot), its alert
 * states (the rules of ops/prometheus/alerts.yml evaluated in-process) and recent alert
 * transitions. Refreshes every sampling interval; a shop without Prometheus still sees trouble here.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import '../ops.css'
import { api, explain, ok } from '../api'
import { currentSession } from '../session'
import { Link, Notice, PageTitle, SignInFirst } from '../ui'

type Timeline = Awaited<ReturnType<typeof loadTimeline>>
type Series = Timeline['series']

const loadTimeline = () => ok(api.GET('/api/v1/admin/ops/timeline'))

/** One chart per measure; each draws one or two columns of the timeline. */
const CHARTS: {
  title: string
  unit: string
  lines: { key: keyof Omit<Series, 't'>; label: string; color: string }[]
}[] = [
  {
    title: 'Requests per second',
    unit: 'req/s',
    lines: [{ key: 'requestsPerSecond', label: 'requests/s', color: '#0b57d0' }],
  },
  { title: 'Latency p95', unit: 'ms', lines: [{ key: 'p95Ms', label: 'p95 ms', color: '#6a3d9a' }] },
  {
    title: 'Shed and rate-limited',
    unit: 'req/s',
    lines: [
      { key: 'shedPerSecond', label: 'shed/s', color: '#a4161a' },
      { key: 'rateLimitedPerSecond', label: 'rate-limited/s', color: '#b35c00' },
    ],
  },
  {
    title: 'Error ratio (5xx)',
    unit: 'share',
    lines: [{ key: 'errorRatio', label: '5xx share', color: '#a4161a' }],
  },
  {
    title: 'Database pool usage',
    unit: 'share',
    lines: [{ key: 'poolUsage', label: 'in use / size', color: '#136c2e' }],
  },
  {
    title: 'Event-loop utilization',
    unit: 'share',
    lines: [{ key: 'eventLoopUtilization', label: 'busy share', color: '#1a1d24' }],
  },
  {
    title: 'Orders per second',
    unit: 'orders/s',
    lines: [{ key: 'ordersPerSecond', label: 'orders/s', color: '#0b57d0' }],
  },
]

function Chart(props: { chart: (typeof CHARTS)[number]; series: Series }) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const data = [props.series.t, ...props.chart.lines.map((l) => props.series[l.key])] as uPlot.AlignedData
  useEffect(() => {
    if (!host.current) return
    const width = Math.max(280, host.current.clientWidth)
    plot.current = new uPlot(
      {
        width,
        height: 180,
        series: [{}, ...props.chart.lines.map((l) => ({ label: l.label, stroke: l.color, width: 2 }))],
        axes: [{}, { label: props.chart.unit, size: 60 }],
        legend: { show: true },
      },
      data,
      host.current,
    )
    return () => plot.current?.destroy()
  }, [])
  useEffect(() => plot.current?.setData(data), [props.series])
  return (
    <figure class="panel ops-chart" data-points={props.series.t.length}>
      <figcaption>{props.chart.title}</figcaption>
      <div ref={host} />
      {props.chart.lines.every((l) => props.series[l.key].every((v) => v === null)) && (
        <p class="muted">
          Not measured on this instance (the embedded SQLite database has no connection pool).
        </p>
      )}
    </figure>
  )
}

const time = (ms: number) => new Date(ms).toLocaleTimeString()

export function OpsPage() {
  const s = currentSession()
  const [data, setData] = useState<Timeline>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    if (s?.role !== 'admin') return
    let stopped = false
    const refresh = async () => {
      try {
        const next = await loadTimeline()
        if (stopped) return
        setData(next)
        setError(undefined)
      } catch (e) {
        if (!stopped) setError(explain(e))
      }
    }
    refresh()
    const timer = setInterval(refresh, 5_000)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [s?.role])

  if (!s) return <SignInFirst what="see the ops page" />
  if (s.role !== 'admin') return <Notice kind="error">The ops page is for the shop's admins.</Notice>
  const firing = data?.alerts.filter((a) => a.state !== 'inactive') ?? []
  return (
    <>
      <PageTitle>Operations</PageTitle>
      <p class="muted">
        Instance {data?.instance ?? '…'}, the last 15 minutes, one sample every {data?.intervalSeconds ?? 5}{' '}
        s. Runbooks: <code>docs/runbooks/</code>. <Link href="/admin">Admin corner</Link>
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      <section class="panel" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">Alerts</h2>
        {firing.length === 0 ? (
          <p class="ops-ok">No alert is firing or pending.</p>
        ) : (
          <ul class="ops-alerts">
            {firing.map((a) => (
              <li key={a.name} class={`ops-${a.state}`}>
                <strong>
                  {a.severity} {a.state}
                </strong>{' '}
                {a.name}: {a.summary} (value {a.value ?? '–'}, threshold {a.threshold}
                {a.since ? `, since ${time(a.since)}` : ''}). Runbook: <code>{a.runbook}</code>
              </li>
            ))}
          </ul>
        )}
      </section>
      <div class="ops-grid">
        {data && CHARTS.map((chart) => <Chart key={chart.title} chart={chart} series={data.series} />)}
      </div>
      <section class="panel" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Alert timeline</h2>
        {data?.timeline.length ? (
          <ol class="ops-timeline">
            {data.timeline.map((e) => (
              <li key={`${e.at}-${e.alert}-${e.state}`}>
                {time(e.at)}: {e.alert} ({e.severity}) {e.state}, value {e.value}
              </li>
            ))}
          </ol>
        ) : (
          <p class="muted">No alert has fired on this instance lately.</p>
        )}
      </section>
    </>
  )
}
