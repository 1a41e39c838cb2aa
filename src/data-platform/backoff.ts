export interface BackoffPolicy {
  /** The delay ceiling of the first retry. */
  baseMs: number
  /** No retry waits longer than this. */
  capMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 5 * 60_000 }

/**
 * Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^(attempt-1))).
 * Spreading retries over the whole window keeps a recovering data platform from being hit by every
 * instance's retries at the same instant (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}
