import { sql } from 'kysely'
import { Type } from 'typebox'
import type { Db } from '../platform/db/index.js'
import type { App } from './types.js'

export interface ReadinessProbe {
  name: string
  /**
   * Whether the instance can serve without it (default true). A non-critical dependency that is
   * down marks the instance `degraded` but still ready (200): every instance shares it, so taking them out
   * of the load balancer would turn a slower shop into no shop.
   */
  critical?: boolean
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

/** Events committed but not yet handed to the broker (grows while the broker is away). */
export const outboxProbe = (outbox: { backlog(): Promise<number> }): ReadinessProbe => ({
  name: 'outbox',
  critical: false,
  check: async () => ({ backlog: await outbox.backlog() }),
})

const Status = Type.Union([Type.Literal('ok'), Type.Literal('unavailable')])
const Ready = Type.Object({
  status: Status,
  /** Serving, with a non-critical dependency down (cache bypassed, events waiting in the outbox). */
  degraded: Type.Optional(Type.Boolean()),
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
    schema: {
      tags: ['health'],
      summary: "Each dependency's state; 503 only when a critical one (the database) is down",
      response: { 200: Ready, 503: Ready },
    },
    handler: async (_req, reply) => {
      const checks: Record<string, { status: 'up' | 'down'; [k: string]: unknown }> = {}
      const down = { critical: false, optional: false }
      await Promise.all(
        probes.map(async (probe) => {
          try {
            checks[probe.name] = { status: 'up', ...(await probe.check()) }
          } catch (error) {
            checks[probe.name] = { status: 'down', error: (error as Error).message }
            down[probe.critical === false ? 'optional' : 'critical'] = true
          }
        }),
      )
      reply.code(down.critical ? 503 : 200)
      const status = down.critical ? ('unavailable' as const) : ('ok' as const)
      return { status, degraded: down.optional, checks }
    },
  })
}
