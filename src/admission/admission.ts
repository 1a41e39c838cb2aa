/**
 * The admission pipeline's state for one process: the per-client rate limiters, the adaptive
 * concurrency limiter with its queue, and the event-loop brake, plus the timers that keep them
 * current. Built from config by `createAdmission`; the HTTP hooks (hooks.ts) consult it.
 */
import { performance } from 'node:perf_hooks'
import type { AdmissionConfig, RateLimitConfig } from '../config/index.js'
import type { Clock } from '../platform/clock/index.js'
import { CircuitBreaker } from './circuit-breaker.js'
import { ConcurrencyLimiter } from './concurrency-limiter.js'
import { EventLoopBrake, type EventLoopReading } from './event-loop-brake.js'
import type { AdmissionEvent, AdmissionListener, RejectReason } from './events.js'
import { GradientLimit, type GradientLimitOptions } from './gradient-limit.js'
import type { PriorityClass } from './priority.js'
import { LocalRateLimiter, type RateLimiter } from './rate-limiter.js'
import { RouteTable } from './route-table.js'
import { StaleStore } from './stale.js'

export interface AdmissionDeps {
  config: AdmissionConfig
  clock: Clock
  /** The loop's utilization and lateness since the previous call; default: this process's. */
  eventLoop?: () => EventLoopReading
  random?: () => number
  /**
   * Shared limiters (Redis) in place of the in-process ones; given each scope's policy and its
   * in-process limiter to fall back on.
   */
  shareRateLimits?: (scope: 'user' | 'ip', policy: RateLimitConfig, local: RateLimiter) => RateLimiter
  limit?: Partial<GradientLimitOptions>
}

export class Admission {
  readonly limiter: ConcurrencyLimiter
  readonly brake: EventLoopBrake
  readonly userLimiter: RateLimiter | undefined
  readonly ipLimiter: RateLimiter | undefined
  /** Opens after consecutive database failures: writes then fail fast at admission. */
  readonly database: CircuitBreaker
  readonly config: AdmissionConfig
  readonly clock: Clock
  /** The catalog's last good answers, served while the server has no room for a read (stale.ts). */
  readonly stale: StaleStore
  /** Each admitted route's class ("METHOD /pattern"), as the hooks resolved it. */
  readonly routes = new Map<string, PriorityClass>()
  /** The admitted routes by URL, for the edge's answers before fastify routes (edge.ts). */
  readonly routeTable = new RouteTable()
  private readonly listeners: AdmissionListener[] = []
  private timers: NodeJS.Timeout[] = []

  constructor(deps: AdmissionDeps) {
    const { config, clock } = deps
    this.config = config
    this.clock = clock
    const now = () => clock.now()
    this.brake = new EventLoopBrake({
      threshold: config.eventLoopThreshold,
      lagTargetMs: config.eventLoopLagMs,
      sample: deps.eventLoop ?? eventLoopSampler(),
      ...(deps.random ? { random: deps.random } : {}),
    })
    this.limiter = new ConcurrencyLimiter({
      limit: new GradientLimit({ max: config.maxConcurrency, ...deps.limit }),
      now,
      queueSize: config.queueSize,
      queueTimeoutMs: config.queueTimeoutMs,
      queueTargetMs: config.queueTargetMs,
      criticalTimeoutMs: config.deadlineMs,
      criticalWaitMs: config.criticalWaitMs,
      brake: () => this.brake.engaged(),
      onEvent: (event) => this.emit(event),
    })
    const limiter = (scope: 'user' | 'ip') => {
      const policy = config.rateLimit[scope]
      if (policy.rate <= 0) return undefined
      const local = new LocalRateLimiter(policy, now)
      return deps.shareRateLimits ? deps.shareRateLimits(scope, policy, local) : local
    }
    this.database = new CircuitBreaker({ now })
    this.stale = new StaleStore(now)
    this.userLimiter = limiter('user')
    this.ipLimiter = limiter('ip')
  }

  /**
   * Why a request that arrived at `arrival` (at the load balancer: request-start.ts) is refused
   * before anything else runs: checkout that already waited out its deadline, anything else that
   * waited longer than admission's own queue would have let it (`queueTimeoutMs`). A request seen
   * the moment it arrives has waited nothing, so without a balancer's stamp this never refuses.
   */
  waitedTooLong(priority: PriorityClass, arrival: number, now = this.clock.now()): RejectReason | undefined {
    const waited = now - arrival
    if (priority === 'critical') return waited >= this.config.deadlineMs ? 'deadline' : undefined
    return waited >= this.config.queueTimeoutMs ? 'queue_timeout' : undefined
  }

  /** Listeners hear every rejection, dequeue and rate-limit decision (metrics subscribe here). */
  on(listener: AdmissionListener): void {
    this.listeners.push(listener)
  }

  emit(event: AdmissionEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  /**
   * Starts the timers: event-loop readings every 100 ms, and queue expiry often enough that a
   * refused request hears so within a few ms of its timeout. Tests call `brake.tick()` and
   * `limiter.expire()` themselves instead.
   */
  start(): void {
    const expiry = Math.max(1, Math.min(10, this.config.queueTargetMs))
    this.timers = [
      setInterval(() => this.brake.tick(), TICK_MS),
      setInterval(() => this.limiter.expire(), expiry),
    ]
    for (const timer of this.timers) timer.unref()
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
  }
}

/** ELU of this process since the previous call, and how late that call came (100 ms expected). */
function eventLoopSampler(): () => EventLoopReading {
  let last = performance.eventLoopUtilization()
  let lastAt = performance.now()
  return () => {
    const current = performance.eventLoopUtilization()
    const delta = performance.eventLoopUtilization(current, last)
    const now = performance.now()
    const lagMs = now - lastAt - TICK_MS
    last = current
    lastAt = now
    return { utilization: delta.utilization, lagMs }
  }
}

const TICK_MS = 100
