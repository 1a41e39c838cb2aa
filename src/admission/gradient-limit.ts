/**
 * The adaptive concurrency limit: how many requests may be in service at once, learned from
 * latency alone. It is Netflix's Gradient2 update rule
 * (https://github.com/Netflix/concurrency-limits, Gradient2Limit) fed with a Vegas-style signal
 * (https://en.wikipedia.org/wiki/TCP_Vegas): each response's latency is divided by the no-load
 * latency of its own route, measured passively as the route's recent minimum. A window whose
 * requests ran at no-load latency lets the limit grow by √limit; a window whose requests queued
 * behind each other (ratio above the tolerance) shrinks it in proportion. Dividing per route keeps
 * the signal honest when the mix shifts from 0.2 ms catalog reads to 5 ms orders.
 *
 * A minimum learned under sustained overload would be the loaded latency, and the limit would
 * creep up by the tolerance each window. So, like BBR's ProbeRTT
 * (https://datatracker.ietf.org/doc/html/draft-cardwell-iccrg-bbr-congestion-control#section-4.3.4),
 * when the minimum is renewed while demand exceeds the limit, the limit drops to a quarter for `probeMs` (a dip of about 1 % of the time under sustained overload):
 * the requests served then show what latency looks like with less queueing.
 *
 * Pure arithmetic: time comes in as arguments, so tests drive it with simulated load.
 */
export interface GradientLimitOptions {
  initial: number
  min: number
  max: number
  /** Latency may rise to this multiple of no-load before the limit shrinks (Gradient2's rttTolerance). */
  tolerance: number
  /** How often the limit moves (ms), given at least `minSamples` responses. */
  windowMs: number
  minSamples: number
  /** A route's no-load latency is its minimum over the last one to two of these (ms). */
  noLoadWindowMs: number
  /** Weight of a new estimate when shrinking (growth is taken at once). */
  smoothing: number
  /**
   * Latencies this small are not worth refusing anyone for (ms): a route's latency counts as its
   * no-load latency until it passes this. Without it, a database-bound server whose 4 ms orders
   * took 20 ms at 60 % load (commits waiting on each other, far inside any objective) read as 5x
   * congested and refused work it had the capacity for.
   */
  floorMs: number
  /** How long a probe at a quarter of the limit lasts (ms). */
  probeMs: number
}

export const defaultLimitOptions: GradientLimitOptions = {
  initial: 20,
  // Netflix's Gradient2 floor too. A lower one starved a database-bound server: 16 admins charging
  // wallets on MariaDB wait on each other's commits, the latency ratio reads as queueing, a limit of
  // 4 then queued the other 12 past the queue timeout and refused work the server could finish.
  min: 20,
  max: 1000,
  tolerance: 1.5,
  windowMs: 100,
  minSamples: 10,
  noLoadWindowMs: 30_000,
  smoothing: 0.2,
  floorMs: 25,
  probeMs: 200,
}

interface MinFilter {
  current: number
  previous: number
}

export class GradientLimit {
  private value: number
  private readonly noLoad = new Map<string, MinFilter>()
  private rotatedAt: number | undefined
  private windowStart: number | undefined
  private samples = 0
  private ratioSum = 0
  private maxInflight = 0
  private pressure = false
  private probeUntil: number | undefined
  readonly options: GradientLimitOptions

  constructor(options: Partial<GradientLimitOptions> = {}) {
    this.options = { ...defaultLimitOptions, ...options }
    const { min, max } = this.options
    this.options.min = Math.min(min, max)
    this.value = clamp(this.options.initial, this.options.min, max)
  }

  /** The current limit (whole requests). */
  get limit(): number {
    const limit = Math.floor(this.value)
    return this.probeUntil === undefined ? limit : Math.max(this.options.min, Math.floor(limit / 4))
  }

  /** Whether a no-load probe (a quarter of the limit) is running. */
  get probing(): boolean {
    return this.probeUntil !== undefined
  }

  /** A request started with `inflight` in service (itself included). */
  started(inflight: number): void {
    if (inflight > this.maxInflight) this.maxInflight = inflight
  }

  /** Someone had to wait or was refused: demand exceeds the limit, so growing is warranted. */
  notePressure(): void {
    this.pressure = true
  }

  /** A response: its route (pattern) and latency in ms. Returns true when the limit moved. */
  sample(now: number, route: string, latencyMs: number): boolean {
    const o = this.options
    this.rotate(now)
    if (this.probeUntil !== undefined && now >= this.probeUntil) {
      // The probe's samples (at less concurrency) are in the minimum; its window says nothing else.
      this.probeUntil = undefined
      this.resetWindow(now)
    }
    let filter = this.noLoad.get(route)
    if (!filter) {
      filter = { current: latencyMs, previous: latencyMs }
      this.noLoad.set(route, filter)
    }
    if (latencyMs < filter.current) filter.current = latencyMs
    const base = Math.min(filter.current, filter.previous)
    this.ratioSum += Math.max(latencyMs, o.floorMs) / Math.max(base, o.floorMs)
    this.samples++
    this.windowStart ??= now
    if (this.probeUntil !== undefined) return false
    if (now - this.windowStart < o.windowMs || this.samples < o.minSamples) return false
    const before = this.value
    this.update(this.ratioSum / this.samples)
    this.resetWindow(now)
    return this.value !== before
  }

  private resetWindow(now: number): void {
    this.windowStart = now
    this.samples = 0
    this.ratioSum = 0
    this.maxInflight = 0
    this.pressure = false
  }

  private update(ratio: number): void {
    const o = this.options
    const gradient = clamp(o.tolerance / ratio, 0.5, 1)
    // An idle server says nothing about its capacity: do not grow while demand is below half the limit.
    const appLimited = !this.pressure && this.maxInflight < this.value / 2
    if (gradient >= 1 && appLimited) return
    const target = this.value * gradient + Math.sqrt(this.value)
    // Grow at once (a sale ramps up in seconds); shrink smoothed, so one noisy window cannot halve it.
    const next = target >= this.value ? target : this.value * (1 - o.smoothing) + target * o.smoothing
    this.value = clamp(next, o.min, o.max)
  }

  /** Two half-windows: the minimum forgets readings older than 1-2 windows, so it can rise again. */
  private rotate(now: number): void {
    this.rotatedAt ??= now
    if (now - this.rotatedAt < this.options.noLoadWindowMs / 2) return
    this.rotatedAt = now
    if (this.pressure) this.probeUntil = now + this.options.probeMs
    for (const filter of this.noLoad.values()) {
      filter.previous = filter.current
      filter.current = Number.POSITIVE_INFINITY
    }
  }
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
