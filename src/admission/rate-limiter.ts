/**
 * Per-client rate limits with GCRA, the generic cell rate algorithm
 * (https://brandur.org/rate-limiting): a token bucket kept as one number per client, the
 * theoretical arrival time (TAT) of its next request. A client may send `burst` requests at once
 * and `rate` per second after that.
 */
import type { RateLimitConfig } from '../config/index.js'

export interface RateDecision {
  allowed: boolean
  /** The bucket size (the `RateLimit-Limit` header). */
  limit: number
  /** Requests left right now. */
  remaining: number
  /** Milliseconds until the bucket is full again. */
  resetMs: number
  /** Milliseconds until the next request would be allowed (0 when allowed). */
  retryAfterMs: number
}

/** Anything that decides a key's next request: the in-process GCRA, or one shared through Redis. */
export interface RateLimiter {
  readonly policy: RateLimitConfig
  take(key: string): RateDecision | Promise<RateDecision>
  /**
   * A refusal `take` would give right now that is known without asking anyone (no I/O, no state
   * change), else `undefined`. The edge answers such clients before fastify runs (edge.ts).
   */
  knownRefusal(key: string): RateDecision | undefined
}

/** The GCRA step on a stored TAT (or none): shared by the in-process and the Redis limiter. */
export function gcra(
  policy: RateLimitConfig,
  storedTat: number | undefined,
  now: number,
): { decision: RateDecision; tat: number } {
  const interval = 1000 / policy.rate
  const tolerance = interval * policy.burst
  const tat = Math.max(storedTat ?? now, now)
  // The wait is reckoned from the backlog (tat - now), not as (tat + interval - tolerance) - now:
  // in floating point (now + interval) - interval can exceed now, which refused a client with an
  // empty bucket and a burst of 1 (tolerance = interval) for a 1e-11 ms wait, a whole second's
  // Retry-After.
  const wait = tat - now + interval - tolerance
  if (wait > 0) {
    return {
      tat,
      decision: {
        allowed: false,
        limit: policy.burst,
        remaining: 0,
        resetMs: tat - now,
        retryAfterMs: wait,
      },
    }
  }
  const next = tat + interval
  return {
    tat: next,
    decision: {
      allowed: true,
      limit: policy.burst,
      remaining: Math.floor((tolerance - (next - now)) / interval + 1e-9),
      resetMs: next - now,
      retryAfterMs: 0,
    },
  }
}

/**
 * One process's limits. Memory is bounded: a client whose TAT has passed is indistinguishable from
 * a new one, so such entries are dropped when the table grows past `maxKeys`, then the oldest.
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly tats = new Map<string, number>()

  constructor(
    readonly policy: RateLimitConfig,
    private readonly now: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string): RateDecision {
    const now = this.now()
    const { decision, tat } = gcra(this.policy, this.tats.get(key), now)
    // Re-inserted at the end: Map order is then roughly least recently used first.
    if (decision.allowed) this.note(key, tat)
    return decision
  }

  /** The decision `take` would give, without taking: for a table of TATs learnt elsewhere. */
  peek(key: string): RateDecision {
    return gcra(this.policy, this.tats.get(key), this.now()).decision
  }

  knownRefusal(key: string): RateDecision | undefined {
    // A refusal leaves the TAT where it was, so peeking at one is taking it.
    const decision = this.peek(key)
    return decision.allowed ? undefined : decision
  }

  /** Records a client's TAT decided elsewhere (a shared limiter's answer). */
  note(key: string, tat: number): void {
    this.tats.delete(key)
    this.tats.set(key, tat)
    if (this.tats.size > this.maxKeys) this.prune(this.now())
  }

  get size(): number {
    return this.tats.size
  }

  private prune(now: number): void {
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key)
    for (const key of this.tats.keys()) {
      if (this.tats.size <= this.maxKeys * 0.9) break
      this.tats.delete(key)
    }
  }
}
