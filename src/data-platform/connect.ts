import type { Config } from '../config/index.js'
import type { ReadinessProbe } from '../http/health.js'
import { type DomainEvent, type InProcessBus, JetStreamConsumer } from '../outbox/index.js'
import type { Clock } from '../platform/clock/index.js'
import type { Db } from '../platform/db/index.js'
import type { NatsHandle } from '../platform/nats/index.js'
import { DATA_PLATFORM_EVENTS, deliveryCounts, enqueueDelivery } from './deliveries.js'
import { DataPlatformSink } from './sink.js'

export interface DataPlatformDeps {
  config: NonNullable<Config['dataPlatform']>
  db: Db
  clock: Clock
  bus: InProcessBus
  nats: NatsHandle | undefined
  onError(message: string, error: unknown): void
  onOutcome?(outcome: 'delivered' | 'retry' | 'park'): void
}

export interface DataPlatformLink {
  sink: DataPlatformSink
  probe: ReadinessProbe
  start(): void
  stop(): Promise<void>
}

/**
 * Feeds paid and cancelled orders to the sink. With NATS, from a durable JetStream consumer shared
 * by every instance (each event is recorded by one of them, acknowledged once stored); on the
 * embedded default, from the in-process bus as a durable subscriber (a failed record leaves the
 * event in the outbox for the relay's next pass). Either way the event is stored before anyone
 * forgets it, and the sink works from the database.
 */
export function connectDataPlatform(deps: DataPlatformDeps): DataPlatformLink {
  const { db, clock } = deps
  const sink = new DataPlatformSink({
    db,
    clock,
    url: deps.config.url,
    maxAttempts: deps.config.maxAttempts,
    timeoutMs: deps.config.timeoutMs,
    onError: (error) => deps.onError('data platform delivery pass failed', error),
    onOutcome: deps.onOutcome,
  })
  const record = async (event: DomainEvent) => {
    await enqueueDelivery(db, event, clock.now())
    sink.notify()
  }
  const consumer = deps.nats
    ? new JetStreamConsumer({
        nats: deps.nats,
        durable: 'data-platform',
        types: [...DATA_PLATFORM_EVENTS],
        handle: record,
        onError: (error) => deps.onError('data platform consumer failed; the event is redelivered', error),
      })
    : undefined
  if (!consumer) deps.bus.subscribe(DATA_PLATFORM_EVENTS, record, { durable: true })

  return {
    sink,
    probe: {
      name: 'dataPlatform',
      critical: false,
      check: () => deliveryCounts(db),
    },
    start() {
      consumer?.start()
      sink.start()
    },
    async stop() {
      await consumer?.stop()
      await sink.stop()
    },
  }
}
