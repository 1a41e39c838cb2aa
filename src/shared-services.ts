/**
 * Production mode's shared services, or their in-process stand-ins: the cache, the catalog and
 * coupon fast paths, and the event broker. Part of the composition root (runtime.ts); nothing here
 * is the source of truth, so every piece degrades to a database-only path when its service is away.
 */
import { accelerateCatalog, ProductCache, RedisProductCache, RedisStockGate } from './catalog/index.js'
import type { Config } from './config/index.js'
import { type IssueGate, openIssueGate, RedisIssueGate } from './coupons/index.js'
import type { ReadinessProbe } from './http/health.js'
import { type EventPublisher, type InProcessBus, JetStreamPublisher } from './outbox/index.js'
import { type Cache, MemoryCache, RedisCache } from './platform/cache/index.js'
import type { Clock } from './platform/clock/index.js'
import type { Db } from './platform/db/index.js'
import { connectNats, type NatsHandle, waitUntilReady as waitForNats } from './platform/nats/index.js'
import { connectRedis, type RedisHandle, waitUntilReady as waitForRedis } from './platform/redis/index.js'

export interface SharedServices {
  cache: Cache
  issueGate: IssueGate
  /** Where the relay hands events: the broker (then the in-process bus), or the bus alone. */
  publisher: EventPublisher
  redis: RedisHandle | undefined
  nats: NatsHandle | undefined
  probes: ReadinessProbe[]
  /** Where trouble with a service is reported (set once the logger exists). */
  log: (message: string, error: unknown) => void
  /**
   * Waits up to `timeoutMs` for every service to connect. Never fails: an instance that starts
   * while Redis or NATS is away serves on its database-only paths and picks them up later.
   */
  settle(timeoutMs: number): Promise<void>
  close(): Promise<void>
}

export function connectSharedServices(
  config: Config,
  db: Db,
  clock: Clock,
  opts: { soleWriter: boolean; bus: InProcessBus },
): SharedServices {
  const services: SharedServices = {
    cache: new MemoryCache(clock),
    issueGate: openIssueGate,
    publisher: opts.bus,
    redis: undefined,
    nats: undefined,
    probes: [],
    log: () => {},
    async settle(timeoutMs) {
      await Promise.allSettled([
        this.redis && waitForRedis(this.redis, timeoutMs),
        this.nats && waitForNats(this.nats, timeoutMs),
      ])
    },
    async close() {
      await this.nats?.close()
      await this.redis?.close()
    },
  }
  const report = (message: string) => (error: unknown) => services.log(message, error)

  if (config.redis) {
    const redis = connectRedis({
      ...config.redis,
      onError: report('Redis unreachable: serving from the database until it returns'),
    })
    const degraded = report('Redis command failed; the database decided alone')
    services.redis = redis
    services.cache = new RedisCache(redis, clock, services.cache, degraded)
    services.issueGate = new RedisIssueGate(redis, db, degraded)
    accelerateCatalog(db, {
      reads: new RedisProductCache(redis, clock, degraded),
      gate: new RedisStockGate(redis, db, degraded),
    })
    services.probes.push({
      name: 'redis',
      critical: false,
      async check() {
        if (!redis.ready()) throw new Error('not connected: cache bypassed, gates open')
        await redis.client.ping()
        return undefined
      },
    })
  } else {
    // Exact in-process product reads are only sound when this process sees every write.
    accelerateCatalog(db, opts.soleWriter ? { reads: new ProductCache() } : {})
  }

  if (config.nats) {
    const nats = connectNats({
      ...config.nats,
      onError: report('NATS unreachable: events wait in the outbox until it returns'),
    })
    services.nats = nats
    services.publisher = new JetStreamPublisher(nats, opts.bus)
    services.probes.push({
      name: 'broker',
      critical: false,
      async check() {
        if (!nats.ready()) throw new Error('not connected: events wait in the outbox')
        const { nc } = nats.jetstream()
        return { rttMs: await nc.rtt() }
      },
    })
  }
  return services
}
