/**
 * The composition root: turns a `Config` into running parts (database, cache, relay, sweeper,
 * HTTP app) and knows how to stop them in order. main.ts, the CLIs and the test harness all start
 * Floodgate through here, so there is one wiring to trust.
 */

import { performance } from 'node:perf_hooks'
import type { FastifyServerOptions } from 'fastify'
import { Admission, RedisRateLimiter, registerAdmissionMetrics } from './admission/index.js'
import { buildApp } from './app.js'
import { createTokenVerifier, loadOrCreateDemoSecret } from './auth/index.js'
import type { Config } from './config/index.js'
import { connectDataPlatform, type DataPlatformLink, deliveryCounts } from './data-platform/index.js'
import { databaseProbe, outboxProbe } from './http/health.js'
import { purgeExpiredIdempotencyKeys, useKeyBatching } from './http/idempotency.js'
import type { App } from './http/types.js'
import { Metrics, OpsSampler, registerDependencyGauges } from './observability/index.js'
import {
  expireOverdueOrders,
  OrderBatcher,
  useCancelBatching,
  useOrderBatching,
  usePaymentBatching,
} from './orders/index.js'
import { InProcessBus, OutboxRelay } from './outbox/index.js'
import { type Clock, DAY, systemClock } from './platform/clock/index.js'
import { connectDatabase, type Db } from './platform/db/index.js'
import { createTopProducts } from './ranking/index.js'
import { seedDemo } from './seed/index.js'
import { connectSharedServices, type SharedServices } from './shared-services.js'

export interface Runtime {
  app: App
  db: Db
  clock: Clock
  bus: InProcessBus
  relay: OutboxRelay
  metrics: Metrics
  /** The ops page's sampler; tests call `ops.sample()` on their manual clock. */
  ops: OpsSampler
  /** The admission pipeline; absent with FLOODGATE_ADMISSION=off. */
  admission: Admission | undefined
  /** Redis and NATS when configured (tests reach them to simulate outages). */
  services: SharedServices
  /** Delivery of order events to the data platform, when `DATA_PLATFORM_URL` is set. */
  dataPlatform: DataPlatformLink | undefined
  /** The HS256 secret in use (configured or generated), when tokens are signed locally. */
  secret: string | undefined
  seeded: boolean
  /** One round of background work: expire overdue orders, drop old idempotency keys and published events. */
  sweep(): Promise<void>
  close(): Promise<void>
}

export interface RuntimeOptions {
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  /** Run the timers (relay polling, expiry sweeper). Tests drive them by hand instead. */
  background?: boolean
  /** Collect process metrics (event loop, GC, memory); off in tests that build many apps. */
  defaultMetrics?: boolean
  /**
   * Whether other processes write the same database (`--workers` siblings). Always so on MySQL;
   * on SQLite it switches off the in-process product cache and makes the relay claim batches.
   */
  sharedDatabase?: boolean
  /** Migrate and seed here (default); a `--workers` child leaves both to its primary. */
  prepare?: boolean
}

export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const clock = opts.clock ?? systemClock
  const metrics = new Metrics({ defaultMetrics: opts.defaultMetrics })
  const handle = connectDatabase(config.databaseUrl, { ...config.dbPool, observer: metrics.poolObserver })
  const prepare = opts.prepare !== false
  if (prepare) await handle.migrate()
  const { db } = handle
  if (config.orders.batching && handle.dialect === 'mysql') {
    if (await OrderBatcher.supported(db)) useOrderBatching(db)
    usePaymentBatching(db)
    useCancelBatching(db)
  }
  // SQLite writes in-process and commits in groups already; a server database pays a commit per key.
  if (handle.dialect === 'mysql') useKeyBatching(db)
  const seeded = prepare && config.seed === 'demo' ? await seedDemo({ db, clock }) : false

  const secret = config.jwt.jwksUrl
    ? undefined
    : (config.jwt.secret ?? loadOrCreateDemoSecret(config.dataDir))
  const verifier = createTokenVerifier({ ...config.jwt, secret }, () => clock.now())
  // Several instances may share a MySQL outbox; the embedded default alone has exactly one relay.
  const shared = handle.dialect === 'mysql' || opts.sharedDatabase === true
  const bus = new InProcessBus()
  const services = connectSharedServices(config, db, clock, { soleWriter: !shared, bus })
  await services.settle(5_000)
  const { cache } = services
  const relay = new OutboxRelay({
    db,
    clock,
    publisher: services.publisher,
    shared,
    lockRows: handle.dialect === 'mysql',
    onError: (error) => services.log('outbox relay failed; events stay in the outbox', error),
  })

  const dataPlatform =
    config.dataPlatform &&
    connectDataPlatform({
      config: config.dataPlatform,
      db,
      clock,
      bus,
      nats: services.nats,
      onError: (message, error) => services.log(message, error),
      onOutcome: (outcome) => metrics.dataPlatformDeliveries.labels({ outcome }).inc(),
    })
  metrics.business.listen(bus)
  registerDependencyGauges(metrics.registry, {
    outboxBacklog: () => relay.backlog(),
    ...(dataPlatform ? { dataPlatformParked: async () => (await deliveryCounts(db)).parked } : {}),
    up: {
      ...(services.redis ? { redis: services.redis.ready } : {}),
      ...(services.nats ? { nats: services.nats.ready } : {}),
    },
  })
  const ops = new OpsSampler({
    registry: metrics.registry,
    db,
    clock,
    onError: (message, error) => services.log(message, error),
  })
  // Latencies of a fraction of a millisecond matter to the limiter: the wall clock has only whole ones.
  const admissionClock = opts.clock ?? { now: () => performance.timeOrigin + performance.now() }
  const admission = config.admission.enabled
    ? new Admission({
        config: config.admission,
        clock: admissionClock,
        // With Redis, limits hold across the fleet; without it (or while it is away) per instance.
        ...(services.redis
          ? {
              shareRateLimits: (scope, policy, local) =>
                new RedisRateLimiter(services.redis!, scope, policy, local, {
                  now: () => admissionClock.now(),
                  onDegraded: (error) =>
                    services.log('Redis rate limit failed; this instance limited alone', error),
                }),
            }
          : {}),
      })
    : undefined
  if (admission) {
    const { redis, nats } = services
    registerAdmissionMetrics(metrics.registry, admission, {
      ...(redis ? { redis: () => redis.ready() } : {}),
      ...(nats ? { nats: () => nats.ready() } : {}),
    })
  }
  const app = await buildApp({
    metrics,
    ops,
    ...(admission ? { admission } : {}),
    config,
    db,
    readDb: handle.readDb,
    clock,
    cache,
    verifier,
    topProducts: createTopProducts({
      db,
      clock,
      cache,
      maxStalenessSeconds: config.ranking.maxStalenessSeconds,
      onCompute: () => metrics.topProductsComputations.inc(),
    }),
    onEventsCommitted: () => relay.notify(),
    issueGate: services.issueGate,
    probes: [
      databaseProbe(db),
      ...services.probes,
      outboxProbe(relay),
      ...(dataPlatform ? [dataPlatform.probe] : []),
    ],
    ...(config.demoSignIn && secret ? { demoSecret: secret } : {}),
    logger: opts.logger,
  })
  services.log = (message, error) => app.log.warn({ err: error }, message)
  bus.onHandlerError = (error, event) =>
    app.log.error({ err: error, eventId: event.id }, 'event handler failed')

  const sweep = async () => {
    await expireOverdueOrders({ db, clock })
    await purgeExpiredIdempotencyKeys(db, clock.now())
    await relay.purgePublished(clock.now() - 7 * DAY)
  }
  let sweeper: NodeJS.Timeout | undefined
  if (opts.background !== false) {
    admission?.start()
    relay.start()
    dataPlatform?.start()
    ops.start()
    sweeper = setInterval(() => {
      sweep().catch((error) => app.log.error({ err: error }, 'sweep failed'))
    }, config.orders.sweepIntervalSeconds * 1000)
    sweeper.unref()
  }

  let closing: Promise<void> | undefined
  const close = () =>
    (closing ??= (async () => {
      clearInterval(sweeper)
      await ops.stop()
      admission?.stop()
      await app.close()
      await relay.stop()
      await dataPlatform?.stop()
      await services.close()
      await handle.close()
    })())

  return {
    app,
    db,
    clock,
    bus,
    relay,
    metrics,
    ops,
    admission,
    services,
    dataPlatform,
    secret,
    seeded,
    sweep,
    close,
  }
}
