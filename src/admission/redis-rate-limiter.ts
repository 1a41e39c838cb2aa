/**
 * Rate limits shared by every instance: the same GCRA as rate-limiter.ts, run atomically in Redis
 * on Redis's own clock (so instances' clock skew does not matter). Redis is an accelerator here as
 * everywhere: while it is away, or a command fails or is slow (the client's 250 ms timeout), each
 * instance falls back to its in-process limiter, which is at most N times as generous with N
 * instances, and never stops a request for want of Redis.
 */
import type { RateLimitConfig } from '../config/index.js'
import { defineScript, type RedisHandle } from '../platform/redis/index.js'
import type { RateDecision, RateLimiter } from './rate-limiter.js'

// KEYS[1] = the client's TAT; ARGV = interval (ms), burst. Returns {allowed, resetMs, retryAfterMs}
// as strings: Redis truncates Lua numbers to integers and the interval may be fractional.
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nxt = tat + interval
local allow_at = nxt - tolerance
if now < allow_at then
  return {0, tostring(tat - now), tostring(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.ceil(nxt - now) + 1)
return {1, tostring(nxt - now), '0'}
`

export class RedisRateLimiter implements RateLimiter {
  private readonly script: (keys: string[], args: (string | number)[]) => Promise<[number, string, string]>

  constructor(
    private readonly redis: RedisHandle,
    private readonly scope: string,
    readonly policy: RateLimitConfig,
    private readonly fallback: RateLimiter,
    private readonly onDegraded: (error: Error) => void = () => {},
  ) {
    this.script = defineScript(redis, 'floodgateGcra', GCRA)
  }

  async take(key: string): Promise<RateDecision> {
    if (!this.redis.ready()) return this.fallback.take(key)
    const interval = 1000 / this.policy.rate
    try {
      const [allowed, reset, retry] = await this.script(
        [this.redis.key('rate', this.scope, key)],
        [interval, this.policy.burst],
      )
      const resetMs = Number(reset)
      return {
        allowed: allowed === 1,
        limit: this.policy.burst,
        remaining: allowed === 1 ? Math.floor((interval * this.policy.burst - resetMs) / interval + 1e-9) : 0,
        resetMs,
        retryAfterMs: Number(retry),
      }
    } catch (error) {
      this.onDegraded(error as Error)
      return this.fallback.take(key)
    }
  }
}
