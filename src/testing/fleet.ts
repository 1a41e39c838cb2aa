/**
 * Helpers for tests that drive real Floodgate processes over HTTP: tokens, calls, and a direct
 * connection to the shared database for counting and the invariants.
 */
import { mintToken } from '../auth/index.js'
import { connectDatabase, type Db } from '../platform/db/index.js'
import { TEST_SECRET } from './harness.js'

export const tokenFor = (userId: number, role: 'customer' | 'admin' = 'customer') =>
  mintToken(TEST_SECRET, { userId, role, ttlSeconds: 3600 })

export interface Answer {
  status: number
  body: Record<string, unknown>
}

/** One JSON call; a connection failure is reported as status 0 (counted by tests, never thrown). */
export async function call(
  base: string,
  method: 'GET' | 'POST',
  url: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  try {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
  } catch {
    return { status: 0, body: {} }
  }
}

/** Counts answers by status: `{ 201: 100, 409: 900 }`. */
export function tally(answers: Answer[]): Record<number, number> {
  const out: Record<number, number> = {}
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1
  return out
}

/** Runs `fn` with the shared database open (read side of the test: counts and invariants). */
export async function withDatabase<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const handle = connectDatabase(url)
  try {
    return await fn(handle.db)
  } finally {
    await handle.close()
  }
}

/** Polls `check` until it returns true (a condition, not a timing assertion). */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
