/**
 * Rate limits shared by every instance: the same GCRA as rate-limiter.ts, run atomically in Redis
 * on Redis's own clock (so instances' clock skew does not matter). Redis is an accelerator here as
 * everywhere: while it is away, or a command fails or is slow (the client's 250 ms timeout), each
 * instance falls back to its in-process limiter, which is at most N times as generous with N
 * instances, and never stops a request for want of Redis. A client Redis refused is refused here
 * until its wait is over, without asking Redis again.
 */
import type { RateLimitConfig } from '../config/index.js'
import { defineScript, type RedisHandle } from '../platform/redis/index.js'
import { LocalRateLimiter, type RateDecision, type RateLimiter } from './rate-limiter.js'

// KEYS[1] = the client's TAT; ARGV = interval (ms), burst. Returns {allowed, resetMs, retryAfterMs}
// as strings: Redis truncates Lua numbers to integers and the interval may be fractional.
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
-- From the backlog, as gcra() in rate-limiter.ts: (now + interval) - interval can exceed now.
local wait = (tat - now) + interval - tolerance
if wait > 0 then
  return {0, tostring(tat - now), tostring(wait)}
end
local nxt = tat + interval
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.ceil(nxt - now) + 1)
return {1, tostring(nxt - now), '0'}
`

export interface RedisRateLimiterOptions {
  /** This instance's clock (ms); only differences are used, so Redis's clock need not agree. */
  now?: () => number
  /** Called when Redis fails a command and the in-process limiter decides instead. */
  onDegraded?: (error: Error) => void
}

export class RedisRateLimiter implements RateLimiter {
  private readonly script: (keys: string[], args: (string | number)[]) => Promise<[number, string, string]>
  /**
   * The TATs of clients Redis refused, as this instance's clock puts them. While one still refuses,
   * the client is refused here, without a round trip: a client retrying early is the commonest
   * refusal in a sale, and the answer cannot change, since a TAT only moves later (other instances
   * can only push it further). It is placed from before the command was sent, so the local refusal
   * ends no later than Redis's would.
   */
  private readonly refused: LocalRateLimiter
  private readonly now: () => number

  constructor(
    private readonly redis: RedisHandle,
    private readonly scope: string,
    readonly policy: RateLimitConfig,
    private readonly fallback: RateLimiter,
    private readonly options: RedisRateLimiterOptions = {},
  ) {
    this.script = defineScript(redis, 'floodgateGcra', GCRA)
    this.now = options.now ?? (() => performance.now())
    this.refused = new LocalRateLimiter(policy, this.now, 50_000)
  }

  take(key: string): RateDecision | Promise<RateDecision> {
    const known = this.refused.knownRefusal(key)
    if (known) return known
    if (!this.redis.ready()) return this.fallback.take(key)
    return this.ask(key, this.now())
  }

  /** A refusal Redis gave this client whose wait is not over; without Redis, the fallback's. */
  knownRefusal(key: string): RateDecision | undefined {
    return (
      this.refused.knownRefusal(key) ?? (this.redis.ready() ? undefined : this.fallback.knownRefusal(key))
    )
  }

  private async ask(key: string, sentAt: number): Promise<RateDecision> {
    const interval = 1000 / this.policy.rate
    try {
      const [allowed, reset, retry] = await this.script(
        [this.redis.key('rate', this.scope, key)],
        [interval, this.policy.burst],
      )
      const resetMs = Number(reset)
      if (allowed !== 1) this.refused.note(key, sentAt + resetMs)
      return {
        allowed: allowed === 1,
        limit: this.policy.burst,
        remaining: allowed === 1 ? Math.floor((interval * this.policy.burst - resetMs) / interval + 1e-9) : 0,
        resetMs,
        retryAfterMs: Number(retry),
      }
    } catch (error) {
      this.options.onDegraded?.(error as Error)
      return this.fallback.take(key)
    }
  }
}
