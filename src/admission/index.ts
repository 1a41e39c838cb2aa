/**
 * Admission: the pipeline that decides, before any work, whether a request is served now, waits
 * briefly, or is refused with 429/503 and Retry-After. See docs/architecture.md, "Admission:
 * cheapest rejection first".
 */
export { Admission, type AdmissionDeps } from './admission.js'
export { type BreakerState, CircuitBreaker } from './circuit-breaker.js'
export { ConcurrencyLimiter, type Ticket } from './concurrency-limiter.js'
export { withEdge } from './edge.js'
export { EventLoopBrake } from './event-loop-brake.js'
export type { AdmissionEvent, RejectReason } from './events.js'
export { GradientLimit } from './gradient-limit.js'
export { priorityOf, registerAdmission, registerClientLimit } from './hooks.js'
export { registerAdmissionMetrics } from './metrics.js'
export { classShare, defaultPriority, type PriorityClass } from './priority.js'
export { gcra, LocalRateLimiter, type RateDecision, type RateLimiter } from './rate-limiter.js'
export { RedisRateLimiter } from './redis-rate-limiter.js'
export { requestArrival } from './request-start.js'
