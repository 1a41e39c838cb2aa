/**
 * The sale-day rehearsal: an open-model load tester for Floodgate. The CLI is `cli.ts`; scenario
 * files import `defineScenario` and the journeys from here.
 */
export { FakeClock, type MonotonicClock, realClock } from './clock.js'
export { type LiveSample, runEngine } from './engine/index.js'
export { createTransport } from './http/index.js'
export * from './journeys/index.js'
export { compareText, renderCompare, renderReport } from './report/index.js'
export { type LoadTestPlan, planStages, runLoadTest } from './run-load-test.js'
export * from './scenarios/index.js'
export { createArrivals, profileAt, type Stage, scaleStages, totalDurationSec } from './scheduler/index.js'
export { evaluateSlo, goodputObjectiveMs, type Objective, parseSlo } from './slo.js'
export {
  LatencyHistogram,
  Recorder,
  type RunResult,
  type SecondSample,
  type StepResult,
} from './stats/index.js'
