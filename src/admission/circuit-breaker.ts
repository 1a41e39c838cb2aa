/**
 * A circuit breaker for a dependency whose failures arrive as errors on requests (the database):
 * after `threshold` consecutive failures it opens and writes fail fast at admission instead of each
 * waiting out the pool's acquire timeout; after `openMs` it lets one request through (half-open) and
 * closes on its success or opens again on its failure.
 *
 * cockatiel's breaker wraps a call (`execute(fn)`); here the check happens in an onRequest hook and
 * the outcome is known only in the error and response hooks, so the state machine is split the
 * same way and kept to these few lines.
 */
export type BreakerState = 'closed' | 'half_open' | 'open'

export interface CircuitBreakerOptions {
  now: () => number
  threshold?: number
  openMs?: number
  onChange?: (state: BreakerState) => void
}

export class CircuitBreaker {
  private current: BreakerState = 'closed'
  private failures = 0
  private openedAt = 0
  private probing = false
  private readonly threshold: number
  private readonly openMs: number

  constructor(private readonly o: CircuitBreakerOptions) {
    this.threshold = o.threshold ?? 5
    this.openMs = o.openMs ?? 5_000
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.o.now() - this.openedAt >= this.openMs) this.set('half_open')
    return this.current
  }

  /** Whether a request may try the dependency now (half-open: one probe at a time). */
  allow(): boolean {
    const state = this.state
    if (state === 'closed') return true
    if (state === 'open' || this.probing) return false
    this.probing = true
    return true
  }

  success(): void {
    this.failures = 0
    this.probing = false
    if (this.current !== 'closed') this.set('closed')
  }

  /** The request let through gave no verdict (its client left): another may probe. */
  abandon(): void {
    this.probing = false
  }

  failure(): void {
    this.probing = false
    this.failures++
    if (this.current === 'half_open' || this.failures >= this.threshold) {
      this.openedAt = this.o.now()
      this.set('open')
    }
  }

  private set(state: BreakerState): void {
    this.current = state
    this.o.onChange?.(state)
  }
}
