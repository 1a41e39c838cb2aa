import { sql } from 'kysely'
import { Type } from 'typebox'
import type { Db } from '../platform/db/index.js'
import type { App } from './types.js'

export interface ReadinessProbe {
  name: string
  /** Resolves to extra facts on success; throws when the dependency is unusable. */
  check(): Promise<Record<string, unknown> | undefined>
}

export const databaseProbe = (db: Db): ReadinessProbe => ({
  name: 'database',
  async check() {
    await sql`select 1`.execute(db)
    return undefined
  },
})

const Status = Type.Union([Type.Literal('ok'), Type.Literal('unavailable')])
const Ready = Type.Object({
  status: Status,
  checks: Type.Record(
    Type.String(),
    Type.Object(
      { status: Type.Union([Type.Literal('up'), Type.Literal('down')]) },
      { additionalProperties: true },
    ),
  ),
})

/** Liveness says the process answers; readiness says it can serve (each dependency checked). */
export function healthRoutes(app: App, probes: ReadinessProbe[]): void {
  app.get('/health/live', {
    config: { access: 'public' },
    schema: {
      tags: ['health'],
      summary: 'The process is up',
      response: { 200: Type.Object({ status: Type.Literal('ok') }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  })

  app.get('/health/ready', {
    config: { access: 'public' },
    schema: { tags: ['health'], summary: 'Every dependency answers', response: { 200: Ready, 503: Ready } },
    handler: async (_req, reply) => {
      const checks: Record<string, { status: 'up' | 'down'; [k: string]: unknown }> = {}
      await Promise.all(
        probes.map(async (probe) => {
          try {
            checks[probe.name] = { status: 'up', ...(await probe.check()) }
          } catch (error) {
            checks[probe.name] = { status: 'down', error: (error as Error).message }
          }
        }),
      )
      const ok = Object.values(checks).every((c) => c.status === 'up')
      reply.code(ok ? 200 : 503)
      return { status: ok ? ('ok' as const) : ('unavailable' as const), checks }
    },
  })
}
