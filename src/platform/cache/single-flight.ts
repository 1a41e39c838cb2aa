import { setTimeout as sleep } from 'node:timers/promises'
import type { Clock } from '../clock/index.js'
import type { Cache, CacheEntry } from './index.js'

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

/** How long a foreground caller waits for another instance's recomputation before doing its own. */
const WAIT_FOR_PEER_MS = 500
const PEER_POLL_MS = 10

/**
 * Serves a cached value computed at most `maxStalenessMs` ago. Past half that age the value is still
 * served while one background refresh runs, so under load an expiry almost never makes a request
 * wait; only a value that reached the bound is recomputed in the foreground, once for all waiters.
 * With a shared cache that offers `tryLock`, "once" holds for the whole fleet: the lease holder
 * computes, the other instances keep serving the cached value or wait briefly for the new one.
 */
export async function cachedWithStaleness<T>(
  opts: StalenessOptions,
  key: string,
  compute: () => Promise<T>,
): Promise<T> {
  const { cache, clock, flights, maxStalenessMs } = opts
  const fresh = (entry: CacheEntry<T> | undefined): entry is CacheEntry<T> =>
    entry !== undefined && clock.now() - entry.storedAt < maxStalenessMs
  const refresh = (current: CacheEntry<T> | undefined) =>
    flights.run(key, async () => {
      if (cache.tryLock) {
        // The lease is never released early: it expires after half the staleness bound, so the
        // fleet recomputes a key at most once per half-life however the instances interleave.
        if (await cache.tryLock(key, Math.max(1, Math.floor(maxStalenessMs / 2)))) {
          const latest = await cache.get<T>(key)
          if (fresh(latest) && latest.storedAt > (current?.storedAt ?? Number.NEGATIVE_INFINITY)) {
            return latest.value
          }
        } else {
          // Another instance is computing. A background refresh just lets it; a foreground caller
          // waits a little for its result, then computes itself rather than fail.
          if (fresh(current)) return current.value
          for (let waited = 0; waited < WAIT_FOR_PEER_MS; waited += PEER_POLL_MS) {
            await sleep(PEER_POLL_MS)
            const theirs = await cache.get<T>(key)
            if (fresh(theirs)) return theirs.value
          }
        }
      }
      const value = await compute()
      await cache.set(key, value, maxStalenessMs)
      return value
    })
  const entry = await cache.get<T>(key)
  if (fresh(entry)) {
    if (clock.now() - entry.storedAt >= maxStalenessMs / 2)
      refresh(entry).catch((error) => opts.onError?.(error))
    return entry.value
  }
  return refresh(undefined)
}
