/**
 * A brake for a saturated event loop. Latency inside a request cannot see requests waiting in
 * socket buffers for a busy loop to read them (on SQLite a read runs start to finish in one turn of
 * the loop, so CPU saturation never shows as concurrency). Utilization alone is no sign of trouble
 * either: a loop serving a steady load at full speed is 100 % busy with millisecond latencies, and
 * shedding there only trades answers for refusals that cost as much. The sign is both: utilization
 * (ELU, https://nodejs.org/api/perf_hooks.html#performanceeventlooputilizationutilization1-utilization2)
 * above `threshold` while the loop runs late (a 100 ms timer firing more than `lagTargetMs` late),
 * which is what requests queued in front of the loop look like from inside it. Then sheddable
 * requests are refused with a probability growing with the lateness (all of them at twice the
 * target), so the loop catches up without switching reads off at once.
 */
export interface EventLoopReading {
  /** Share of the time since the last reading the loop was busy (0..1). */
  utilization: number
  /** How late the reading's timer fired (ms). */
  lagMs: number
}

export interface EventLoopBrakeOptions {
  threshold: number
  lagTargetMs?: number
  sample: () => EventLoopReading
  random?: () => number
  /** Weight of a new reading in the moving averages. */
  smoothing?: number
}

export class EventLoopBrake {
  private busy = 0
  private lag = 0
  constructor(private readonly o: EventLoopBrakeOptions) {}

  /** The smoothed utilization (0..1). */
  get utilization(): number {
    return this.busy
  }

  /** The smoothed lateness of the loop (ms). */
  get lagMs(): number {
    return this.lag
  }

  /** Takes a reading; called on a timer (every 100 ms in production). */
  tick(): void {
    const a = this.o.smoothing ?? 0.5
    const reading = this.o.sample()
    this.busy = this.busy * (1 - a) + Math.min(1, Math.max(0, reading.utilization)) * a
    this.lag = this.lag * (1 - a) + Math.max(0, reading.lagMs) * a
  }

  /** Whether to refuse this sheddable request. */
  engaged(): boolean {
    const { threshold } = this.o
    const target = this.o.lagTargetMs ?? 50
    if (threshold >= 1 || this.busy <= threshold || this.lag <= target) return false
    const p = (this.lag - target) / target
    return (this.o.random ?? Math.random)() < p
  }
}
