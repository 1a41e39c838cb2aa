/**
 * The load tester's time source. Monotonic milliseconds (fractions allowed) from an arbitrary origin:
 * wall-clock jumps must not bend latencies. Injected so scheduler and stats tests never sleep.
 */
export interface MonotonicClock {
  now(): number
}

export const realClock: MonotonicClock = { now: () => performance.now() }

/** A clock that moves only when told to. */
export class FakeClock implements MonotonicClock {
  constructor(private current = 0) {}
  now(): number {
    return this.current
  }
  advance(ms: number): void {
    this.current += ms
  }
}
