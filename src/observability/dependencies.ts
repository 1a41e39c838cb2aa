import { Gauge, type Registry } from 'prom-client'

export interface DependencySources {
  /** Committed events not yet published (the outbox relay's backlog). */
  outboxBacklog: () => Promise<number>
  /** Events parked in the data platform's dead-letter store; absent without a data platform. */
  dataPlatformParked?: () => Promise<number>
  /** Whether each configured shared service is connected; absent ones (embedded default) report nothing. */
  up: Partial<Record<'redis' | 'nats', () => boolean>>
}

/**
 * Gauges read at scrape time (never on a request's path): the outbox backlog, parked dead letters
 * and whether Redis and NATS are connected. A failing read leaves the gauge out of that scrape
 * rather than failing the whole /metrics answer.
 */
export function registerDependencyGauges(registry: Registry, sources: DependencySources): void {
  const registers = [registry]
  const backlog = new Gauge({
    name: 'floodgate_outbox_backlog',
    help: 'Order events committed but not yet published to the broker',
    registers,
    async collect() {
      await readInto(backlog, sources.outboxBacklog)
    },
  })
  const { dataPlatformParked } = sources
  if (dataPlatformParked) {
    const parked = new Gauge({
      name: 'floodgate_data_platform_parked',
      help: "Order events parked in the data platform's dead-letter store",
      registers,
      async collect() {
        await readInto(parked, dataPlatformParked)
      },
    })
  }
  const up = new Gauge({
    name: 'floodgate_dependency_up',
    help: 'Whether a shared service is connected (1) or not (0), by dependency (redis, nats)',
    labelNames: ['dependency'] as const,
    registers,
    collect() {
      for (const [dependency, connected] of Object.entries(sources.up)) {
        up.set({ dependency }, connected() ? 1 : 0)
      }
    },
  })
}

async function readInto(gauge: Gauge, read: () => Promise<number>): Promise<void> {
  try {
    gauge.set(await read())
  } catch {
    gauge.reset()
  }
}
