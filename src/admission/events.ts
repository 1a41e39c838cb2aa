import type { PriorityClass } from './priority.js'

export type RejectReason = 'queue_full' | 'queue_timeout' | 'deadline' | 'event_loop' | 'limit'
export type RateLimitScope = 'user' | 'ip'

/** What the admission pipeline tells its listeners (metrics, logs); listeners must be cheap. */
export type AdmissionEvent =
  | { type: 'rejected'; reason: RejectReason; priority: PriorityClass }
  | { type: 'admitted'; priority: PriorityClass; waitedMs: number }
  | { type: 'rate_limited'; scope: RateLimitScope }
  /** A rejected catalog read was answered with its last good answer instead of a 503. */
  | { type: 'stale'; priority: PriorityClass }

export type AdmissionListener = (event: AdmissionEvent) => void

/** A refusal by the admission pipeline (rendered as 503 OVERLOADED by the HTTP hooks). */
export class Rejection extends Error {
  constructor(readonly reason: RejectReason) {
    super(`request not admitted: ${reason}`)
    this.name = 'Rejection'
  }
}
