import { Type } from 'typebox'
import { problems } from '../http/schemas.js'
import type { App } from '../http/types.js'
import type { OpsSampler } from './ops-sampler.js'

const Severity = Type.Union([Type.Literal('P1'), Type.Literal('P2'), Type.Literal('P3'), Type.Literal('P4')])
const Numbers = Type.Array(Type.Number())
const MaybeNumbers = Type.Array(Type.Union([Type.Number(), Type.Null()]))

const OpsTimeline = Type.Object(
  {
    instance: Type.String({ description: 'The instance that answered (each instance samples itself)' }),
    intervalSeconds: Type.Integer({ description: 'Seconds between samples' }),
    series: Type.Object(
      {
        t: Type.Array(Type.Integer(), { description: 'Sample times, epoch seconds' }),
        requestsPerSecond: Numbers,
        errorRatio: Type.Array(Type.Number(), { description: 'Share of requests answered 5xx' }),
        p95Ms: MaybeNumbers,
        shedPerSecond: Numbers,
        rateLimitedPerSecond: Numbers,
        poolUsage: Type.Array(Type.Union([Type.Number(), Type.Null()]), {
          description: 'Database pool connections in use / pool size (null without a pool: SQLite)',
        }),
        eventLoopUtilization: Numbers,
        ordersPerSecond: Numbers,
      },
      { description: 'The last 15 minutes, one column per measure (oldest first)' },
    ),
    alerts: Type.Array(
      Type.Object({
        name: Type.String(),
        severity: Severity,
        state: Type.Union([Type.Literal('inactive'), Type.Literal('pending'), Type.Literal('firing')]),
        value: Type.Union([Type.Number(), Type.Null()]),
        threshold: Type.Number(),
        summary: Type.String(),
        runbook: Type.String(),
        since: Type.Union([Type.Integer(), Type.Null()], {
          description: 'When the condition started holding (epoch ms)',
        }),
      }),
      { description: "The alert rules of ops/prometheus/alerts.yml, evaluated on this instance's samples" },
    ),
    timeline: Type.Array(
      Type.Object({
        at: Type.Integer(),
        alert: Type.String(),
        severity: Severity,
        state: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
        value: Type.Number(),
      }),
      { description: 'Recent alert transitions, newest first' },
    ),
  },
  { $id: 'OpsTimeline' },
)

/** The ops page's data: admin only (it shows traffic and business volume). */
export function opsRoutes(app: App, sampler: OpsSampler): void {
  app.get('/api/v1/admin/ops/timeline', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'],
      summary:
        "This instance's last 15 minutes: request rate, p95, shedding, pool, event loop, orders, and its alerts",
      response: { 200: OpsTimeline, ...problems(401, 403) },
    },
    handler: async () => sampler.view(),
  })
}
