import type { BenchReport } from './report.js'

export interface BenchContext {
  /** Short durations for a smoke check. */
  quick: boolean
  /** Profile the server during a separate hot-product run even when the targets are met. */
  cpuProf: boolean
  log(message: string): void
}

export interface Benchmark {
  name: string
  run(ctx: BenchContext): Promise<BenchReport>
}
