/**
 * Latency histograms (HdrHistogram, 3 significant digits, microseconds inside, milliseconds out).
 * Values beyond the top are clamped rather than thrown, so one pathological request can never
 * abort a run's accounting.
 */
import * as hdr from 'hdr-histogram-js'

const HIGHEST_US = 3_600_000_000 // one hour

export interface LatencySummary {
  count: number
  mean: number
  p50: number
  p90: number
  p95: number
  p99: number
  p999: number
  max: number
}

export class LatencyHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    // Plain 32-bit counters: the packed array saves memory we do not need and costs CPU per record.
    bitBucketSize: 32,
    autoResize: false,
    useWebAssembly: false,
  })

  recordMs(ms: number): void {
    const us = Math.round(ms * 1000)
    this.h.recordValue(Math.max(1, Math.min(us, HIGHEST_US)))
  }

  get count(): number {
    return this.h.totalCount
  }

  /** Milliseconds at the given percentile (0-100); 0 when empty. */
  percentile(p: number): number {
    return this.h.totalCount === 0 ? 0 : this.h.getValueAtPercentile(p) / 1000
  }

  add(other: LatencyHistogram): void {
    this.h.add(other.h)
  }

  reset(): void {
    this.h.reset()
  }

  summary(): LatencySummary {
    const empty = this.h.totalCount === 0
    const ms = (us: number) => (empty ? 0 : round(us / 1000))
    return {
      count: this.h.totalCount,
      mean: ms(this.h.mean),
      p50: ms(this.h.getValueAtPercentile(50)),
      p90: ms(this.h.getValueAtPercentile(90)),
      p95: ms(this.h.getValueAtPercentile(95)),
      p99: ms(this.h.getValueAtPercentile(99)),
      p999: ms(this.h.getValueAtPercentile(99.9)),
      max: ms(this.h.maxValue),
    }
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000
