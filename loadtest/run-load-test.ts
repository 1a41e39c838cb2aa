/**
 * One rehearsal, start to end: the scenario scaled, users with tokens, the engine against the
 * target, and the result with its SLO verdict. The CLI, `capacity` and the tests call this.
 */
import type { BusyRetryPolicy } from '../web/src/busy-retry.js'
import { type MonotonicClock, realClock } from './clock.js'
import { type LiveSample, runEngine } from './engine/index.js'
import { createTransport } from './http/index.js'
import type { Journey, ScenarioData, VirtualUser } from './journeys/index.js'
import {
  type ArrivalProcess,
  peakUsers,
  type Stage,
  scaleStages,
  totalDurationSec,
} from './scheduler/index.js'
import { evaluateSlo, goodputObjectiveMs, parseSlo } from './slo.js'
import { Recorder, type RunResult } from './stats/index.js'

export interface LoadTestPlan {
  target: string
  scenarioName: string
  /** Stages as the scenario wrote them; `scale` and `durationSec` are applied here. */
  stages: readonly Stage[]
  journeys: readonly Journey[]
  thinkMs: readonly [number, number]
  scale?: number
  durationSec?: number
  /** Most requests in flight (sockets). */
  connections: number
  timeoutMs: number
  slo?: string
  data: ScenarioData
  /** At least as many as the stages' peak users. */
  users: readonly VirtualUser[]
  clock?: MonotonicClock
  arrivals?: ArrivalProcess
  random?: () => number
  onSecond?: (live: LiveSample) => void
  /** Send `X-Request-Start` as a load balancer would (engine option of the same name). */
  stampRequestStart?: boolean
  /** Refused shoppers come back as the storefront makes them (engine option of the same name). */
  retryBusy?: BusyRetryPolicy
  /** Recorded in the JSON as given. */
  options?: Record<string, unknown>
}

/** The stages after `--scale` and `--duration`. */
export const planStages = (plan: Pick<LoadTestPlan, 'stages' | 'scale' | 'durationSec'>): Stage[] =>
  scaleStages(plan.stages, {
    ...(plan.scale !== undefined ? { scale: plan.scale } : {}),
    ...(plan.durationSec !== undefined ? { durationSec: plan.durationSec } : {}),
  })

export async function runLoadTest(plan: LoadTestPlan): Promise<RunResult> {
  const stages = planStages(plan)
  const needed = peakUsers(stages)
  if (plan.users.length < needed)
    throw new Error(`the scenario needs ${needed} users, got ${plan.users.length}`)
  const objectiveMs = plan.slo ? goodputObjectiveMs(parseSlo(plan.slo)) : 1000
  const recorder = new Recorder(objectiveMs)
  const transport = createTransport({
    target: plan.target,
    connections: plan.connections,
    timeoutMs: plan.timeoutMs,
  })
  const startedAt = new Date().toISOString()
  try {
    await runEngine({
      stages,
      journeys: plan.journeys,
      users: plan.users,
      data: plan.data,
      transport,
      recorder,
      clock: plan.clock ?? realClock,
      thinkMs: plan.thinkMs,
      connections: plan.connections,
      drainMs: plan.timeoutMs + 1000,
      ...(plan.random ? { random: plan.random } : {}),
      ...(plan.arrivals ? { arrivals: plan.arrivals } : {}),
      ...(plan.onSecond ? { onSecond: plan.onSecond } : {}),
      ...(plan.stampRequestStart ? { stampRequestStart: true } : {}),
      ...(plan.retryBusy ? { retryBusy: plan.retryBusy } : {}),
    })
  } finally {
    // Requests still open after the drain end here, counted as failures, before the books close.
    await transport.close()
    recorder.close()
  }
  const result = recorder.result({
    scenario: plan.scenarioName,
    target: plan.target,
    startedAt,
    durationSec: totalDurationSec(stages),
    options: {
      ...plan.options,
      scale: plan.scale ?? 1,
      connections: plan.connections,
      timeoutMs: plan.timeoutMs,
      arrivals: plan.arrivals ?? 'uniform',
      ...(plan.retryBusy ? { retryBusy: plan.retryBusy } : {}),
      stages,
    },
  })
  if (plan.slo) result.slo = evaluateSlo(result, plan.slo)
  return result
}
