/**
 * The storefront's answer to a busy shop. On 429 or 503 it waits what the server asked for
 * (`Retry-After`) plus a random share on top, so thousands of browsers refused in the same second
 * do not all come back in the same second, and gives up after a few attempts. The request it
 * resends is a clone of the first one, headers included: a checkout keeps its Idempotency-Key, so
 * a retry can never become a second order.
 *
 * Pure of the DOM and of real time (sleep and random are injected), so the policy is unit-tested
 * without waiting.
 */

export interface BusyRetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number
  /** Used when the answer has no usable Retry-After. */
  defaultDelayMs: number
  /** Jitter added on top: up to this share of the delay, and at least `minJitterMs`. */
  jitterRatio: number
  minJitterMs: number
  /** No single wait is longer than this, whatever the server says. */
  maxDelayMs: number
}

export const defaultBusyRetryPolicy: BusyRetryPolicy = {
  maxAttempts: 5,
  defaultDelayMs: 1_000,
  jitterRatio: 0.5,
  minJitterMs: 250,
  maxDelayMs: 30_000,
}

export interface BusyRetryDeps {
  sleep: (ms: number) => Promise<void>
  /** A number in [0, 1), like Math.random. */
  random: () => number
  /** The current time in epoch ms (to read an HTTP-date Retry-After). */
  now: () => number
  /** Told before each wait, so the page can say the shop is busy. */
  onBusy?: (info: { attempt: number; delayMs: number; status: number }) => void
  /** Told when an answer is not busy any more (or the retries ran out). */
  onSettled?: () => void
}

export const isBusy = (status: number) => status === 429 || status === 503

/** Milliseconds the server asked for: delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** The wait before attempt `attempt + 1`: the server's delay (or a doubling default), plus jitter. */
export function busyDelayMs(
  retryAfter: number | undefined,
  attempt: number,
  random: () => number,
  policy: BusyRetryPolicy = defaultBusyRetryPolicy,
): number {
  const base = retryAfter ?? policy.defaultDelayMs * 2 ** (attempt - 1)
  const jitter = Math.max(policy.minJitterMs, base * policy.jitterRatio) * random()
  return Math.min(policy.maxDelayMs, Math.round(base + jitter))
}

/**
 * Sends `request` with `send`, resending a fresh clone after a busy answer, at most
 * `policy.maxAttempts` times in all. Returns the first answer that is not busy, or the last one.
 */
export async function sendWithBusyRetry(
  request: Request,
  send: (request: Request) => Promise<Response>,
  deps: BusyRetryDeps,
  policy: BusyRetryPolicy = defaultBusyRetryPolicy,
): Promise<Response> {
  // Keep a pristine copy: a body can be read once, and every attempt must send the same bytes.
  const original = request.clone()
  let response = await send(request)
  for (let attempt = 1; attempt < policy.maxAttempts && isBusy(response.status); attempt++) {
    const delayMs = busyDelayMs(
      retryAfterMs(response.headers.get('retry-after'), deps.now()),
      attempt,
      deps.random,
      policy,
    )
    deps.onBusy?.({ attempt, delayMs, status: response.status })
    // Free the connection of the refused answer before waiting.
    await response.body?.cancel()
    await deps.sleep(delayMs)
    response = await send(original.clone())
  }
  deps.onSettled?.()
  return response
}
