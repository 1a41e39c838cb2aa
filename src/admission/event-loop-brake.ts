/**
 * A brake on event-loop utilization (ELU: the share of time the loop was busy,
 * https://nodejs.org/api/perf_hooks.html#performanceeventlooputilizationutilization1-utilization2).
 * Latency tells the concurrency limit about queueing inside a request; it cannot see requests
 * waiting in socket buffers for a saturated loop to read them. Above `threshold`, sheddable
 * requests are refused with a probability that grows with the excess (all of them at 100 %), so
 * CPU goes to critical and important work without switching everything off at once.
 */
export interface EventLoopBrakeOptions {
  threshold: number
  /** Utilization of the loop since the previous call (0..1). */
  sample: () => number
  random?: () => number
  /** Weight of a new sample in the moving average. */
  smoothing?: number
}

export class EventLoopBrake {
  private average = 0
  constructor(private readonly o: EventLoopBrakeOptions) {}

  /** The smoothed utilization (0..1). */
  get utilization(): number {
    return this.average
  }

  /** Takes a reading; called on a timer (every 100 ms in production). */
  tick(): void {
    const a = this.o.smoothing ?? 0.5
    this.average = this.average * (1 - a) + Math.min(1, Math.max(0, this.o.sample())) * a
  }

  /** Whether to refuse this sheddable request. */
  engaged(): boolean {
    const { threshold } = this.o
    if (threshold >= 1 || this.average <= threshold) return false
    const p = (this.average - threshold) / (1 - threshold)
    return (this.o.random ?? Math.random)() < p
  }
}
