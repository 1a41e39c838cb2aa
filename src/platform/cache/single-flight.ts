import type { Clock } from '../clock/index.js'
import type { Cache } from './index.js'

/** Collapses concurrent calls for one key into one execution; every caller gets its result. */
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>()

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key)
    if (running) return running as Promise<T>
    const promise = fn().finally(() => this.inFlight.delete(key))
    this.inFlight.set(key, promise)
    return promise
  }

  /** Resolves once every call running now has settled (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()])
  }
}

export interface StalenessOptions {
  cache: Cache
  clock: Clock
  flights: SingleFlight
  /** Never serve a value older than this. */
  maxStalenessMs: number
  /** Called (at most once at a time per key) when a value must be (re)computed. */
  onError?: (error: unknown) => void
}

/**
 * Serves a cached value computed at most `maxStalenessMs` ago. Past half that age the value is still
 * served while one background refresh runs, so under load an expiry almost never makes a request
 * wait; only a value that reached the bound is recomputed in the foreground, once for all waiters.
 */
export async function cachedWithStaleness<T>(
  opts: StalenessOptions,
  key: string,
  compute: () => Promise<T>,
): Promise<T> {
  const { cache, clock, flights, maxStalenessMs } = opts
  const refresh = () =>
    flights.run(key, async () => {
      const value = await compute()
      await cache.set(key, value, maxStalenessMs)
      return value
    })
  const entry = await cache.get<T>(key)
  if (entry) {
    const age = clock.now() - entry.storedAt
    if (age < maxStalenessMs) {
      if (age >= maxStalenessMs / 2) refresh().catch((error) => opts.onError?.(error))
      return entry.value
    }
  }
  return refresh()
}
