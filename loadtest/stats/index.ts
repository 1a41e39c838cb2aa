export { LatencyHistogram, type LatencySummary } from './histogram.js'
export { Recorder } from './recorder.js'
export type {
  FailureKind,
  Outcome,
  RunResult,
  SecondSample,
  SloCheck,
  SloReport,
  StepResult,
} from './result.js'
