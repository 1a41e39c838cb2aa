/**
 * The shared Redis of production mode. Everything kept here is an accelerator in front of the
 * database (caches, admission gates), never the truth, so the client is tuned to fail fast rather
 * than to wait: no offline queue, a short command timeout, endless background reconnects. Callers
 * check `ready()` and take their database-only path while Redis is away.
 */
import { Redis } from 'ioredis'

export interface RedisOptions {
  url: string
  /** Prefixes every key, so deployments (and test runs) sharing one Redis never see each other. */
  keyPrefix: string
  /** A command slower than this counts as a failure (the caller falls back to the database). */
  commandTimeoutMs?: number
  onError?: (error: Error) => void
}

export interface RedisHandle {
  client: Redis
  /** The key with the deployment's prefix. */
  key(...parts: (string | number)[]): string
  /** Connected and answering commands right now. */
  ready(): boolean
  close(): Promise<void>
}

export function connectRedis(opts: RedisOptions): RedisHandle {
  const client = new Redis(opts.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 250,
    connectTimeout: 2_000,
    // Keep trying in the background; meanwhile every command fails at once and callers bypass Redis.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    lazyConnect: false,
    // Commands issued in one turn of the event loop leave in one write: under a sale every request
    // asks Redis something (a rate limit, a cache), and a system call per command is what costs.
    enableAutoPipelining: true,
  })
  // ioredis reports connection trouble as 'error' events; one line per outage, not one per retry.
  let reported = false
  client.on('error', (error) => {
    if (reported) return
    reported = true
    opts.onError?.(error)
  })
  client.on('ready', () => {
    reported = false
  })
  return {
    client,
    key: (...parts) => `${opts.keyPrefix}${parts.join(':')}`,
    ready: () => client.status === 'ready',
    async close() {
      try {
        await client.quit()
      } catch {
        client.disconnect()
      }
    },
  }
}

/** Resolves once connected; rejects on the first connection failure or after `timeoutMs` (startup, tests). */
export async function waitUntilReady(handle: RedisHandle, timeoutMs = 5_000): Promise<void> {
  if (handle.ready()) return
  const { client } = handle
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      client.off('error', done)
      if (error) reject(error)
      else resolve()
    }
    const onReady = () => done()
    const timer = setTimeout(() => done(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs)
    client.once('ready', onReady)
    client.once('error', done)
  })
}

/** Deletes every key under a prefix (test cleanup, `flush` of one deployment's keys). */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  let deleted = 0
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    if (keys.length > 0) deleted += await client.del(...keys)
  } while (cursor !== '0')
  return deleted
}

/**
 * A Lua script run atomically by Redis (EVALSHA, loaded on first use). Keys and arguments are
 * passed per call, so one definition serves any number of keys.
 */
export function defineScript<R>(
  handle: RedisHandle,
  name: string,
  lua: string,
): (keys: string[], args: (string | number)[]) => Promise<R> {
  handle.client.defineCommand(name, { lua })
  const client = handle.client as unknown as Record<string, (...args: unknown[]) => Promise<R>>
  return (keys, args) => client[name]!(keys.length, ...keys, ...args)
}
