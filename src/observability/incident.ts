import type { Db } from '../platform/db/index.js'

export interface IncidentFigures {
  since: number
  until: number
  /** Firing and resolved transitions in the window, oldest first. */
  transitions: {
    at: number
    instance: string
    alert: string
    severity: string
    state: string
    value: number
  }[]
  firstAlert: { at: number; alert: string; severity: string; instance: string } | undefined
  /** The worst severity that fired (P1 is worst). */
  severity: string | undefined
  /** The highest share of 5xx in one minute, fleet-wide. */
  peakErrorRate: { ratio: number; at: number } | undefined
  totalRequests: number
  failedRequests: number
  /** Distinct signed-in users who saw at least one 5xx (each instance remembers up to 1,000 a minute). */
  affectedUsers: number
  ordersPlaced: number
  ordersPaid: number
}

/** Reads what the ops samplers of every instance recorded between `since` and `until` (epoch ms). */
export async function incidentFigures(db: Db, since: number, until: number): Promise<IncidentFigures> {
  const events = await db
    .selectFrom('ops_alert_events')
    .selectAll()
    .where('at', '>=', since)
    .where('at', '<', until)
    .orderBy('at')
    .orderBy('id')
    .execute()
  // A minute row is stamped with the minute's start: take every minute that overlaps the window.
  const minutes = await db
    .selectFrom('ops_minutes')
    .selectAll()
    .where('at', '>', since - 60_000)
    .where('at', '<', until)
    .execute()

  const transitions = events.map((e) => ({
    at: Number(e.at),
    instance: e.instance,
    alert: e.alert,
    severity: e.severity,
    state: e.state,
    value: Number(e.value),
  }))
  const firing = transitions.filter((t) => t.state === 'firing')
  const byMinute = new Map<number, { requests: number; failed: number }>()
  const users = new Set<number>()
  const totals = { requests: 0, failed: 0, placed: 0, paid: 0 }
  for (const m of minutes) {
    const slot = byMinute.get(Number(m.at)) ?? { requests: 0, failed: 0 }
    slot.requests += Number(m.requests)
    slot.failed += Number(m.failed)
    byMinute.set(Number(m.at), slot)
    totals.requests += Number(m.requests)
    totals.failed += Number(m.failed)
    totals.placed += Number(m.orders_placed)
    totals.paid += Number(m.orders_paid)
    for (const id of JSON.parse(m.failed_users) as number[]) users.add(id)
  }
  let peak: IncidentFigures['peakErrorRate']
  for (const [at, slot] of [...byMinute].sort(([a], [b]) => a - b)) {
    if (slot.requests === 0) continue
    const ratio = slot.failed / slot.requests
    if (!peak || ratio > peak.ratio) peak = { ratio, at }
  }
  const first = firing[0]
  return {
    since,
    until,
    transitions,
    firstAlert: first && {
      at: first.at,
      alert: first.alert,
      severity: first.severity,
      instance: first.instance,
    },
    severity: firing.map((t) => t.severity).sort()[0],
    peakErrorRate: peak,
    totalRequests: totals.requests,
    failedRequests: totals.failed,
    affectedUsers: users.size,
    ordersPlaced: totals.placed,
    ordersPaid: totals.paid,
  }
}

const time = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
const percent = (ratio: number) => `${(ratio * 100).toFixed(2)}%`
const count = (n: number) => n.toLocaleString('en-US')

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000)
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** Fills docs/postmortem-template.md's placeholders with the figures; the rest stays for a person. */
export function draftPostmortem(template: string, f: IncidentFigures, title = 'incident'): string {
  const timeline =
    f.transitions.length === 0
      ? '| | no alert fired in this window |'
      : f.transitions
          .map(
            (t) =>
              `| ${time(t.at)} | ${t.alert} (${t.severity}) ${t.state} on ${t.instance}, value ${t.value} |`,
          )
          .join('\n')
  const values: Record<string, string> = {
    title,
    severity: f.severity ?? 'not graded (no alert fired)',
    since: time(f.since),
    until: time(f.until),
    duration: duration(f.until - f.since),
    firstAlert: f.firstAlert
      ? `${time(f.firstAlert.at)}: ${f.firstAlert.alert} (${f.firstAlert.severity}) on ${f.firstAlert.instance}`
      : 'none recorded',
    timeline,
    peakErrorRate: f.peakErrorRate
      ? `${percent(f.peakErrorRate.ratio)} (minute from ${time(f.peakErrorRate.at)})`
      : 'no requests recorded',
    failedRequests: count(f.failedRequests),
    totalRequests: count(f.totalRequests),
    affectedUsers: count(f.affectedUsers),
    ordersPlaced: count(f.ordersPlaced),
    ordersPaid: count(f.ordersPaid),
  }
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole)
}
