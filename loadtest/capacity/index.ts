/**
 * `capacity`: offers the scenario's journeys at a rate that grows by `--factor` each step until the
 * SLO fails, keeps the highest goodput that held, and sizes a fleet for `--peak-tps`.
 */
import type { CapacityOptions } from '../options.js'
import { prepareData } from '../prepare/index.js'
import { runLoadTest } from '../run-load-test.js'
import { loadScenario } from '../scenarios/index.js'
import type { RunResult } from '../stats/index.js'
import { makeUsers } from '../users.js'
import { size } from './sizing.js'

export { size } from './sizing.js'

const UTILISATION = 0.7

export async function runCapacity(opts: CapacityOptions): Promise<number> {
  const scenario = await loadScenario(opts.scenario)
  const rates: number[] = []
  for (let r = opts.startRate; r <= opts.maxRate; r *= opts.factor) rates.push(Math.round(r))
  // Users send back to back (no think time) so the rate, not the user count, is what grows; enough
  // of them to carry the rate at up to a second of latency.
  const userCount = Math.ceil(Math.min(opts.maxRate, rates.at(-1) ?? opts.startRate)) + 50
  const ttlSeconds = rates.length * opts.stepSec + 3600
  const tokens = { ttlSeconds, ...(opts.secret ? { secret: opts.secret } : {}) }
  const data = await prepareData({
    target: opts.target,
    spec: scenario.prepare ?? {},
    firstUserId: opts.firstUserId,
    users: userCount,
    points: opts.points,
    adminId: opts.adminId,
    ...tokens,
    ...(opts.adminToken ? { adminToken: opts.adminToken } : {}),
  })
  const users = await makeUsers(data.firstUserId, userCount, {
    ...tokens,
    ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
  })
  const log = (line: string) => process.stdout.write(`${line}\n`)
  log(`capacity of ${opts.target}: ${scenario.name} journeys, ${opts.stepSec} s per step, SLO ${opts.slo}`)
  log('rate/s  done/s  goodput/s  p95 ms  errors %  shed %  lateness p99  SLO')
  let best: RunResult | undefined
  for (const rate of rates) {
    const users = Math.min(userCount, Math.ceil(rate) + 50)
    const result = await runLoadTest({
      target: opts.target,
      scenarioName: `${scenario.name}@${rate}`,
      stages: [{ durationSec: opts.stepSec, rate, users }],
      journeys: scenario.journeys,
      thinkMs: [0, 0],
      connections: users,
      timeoutMs: opts.timeoutMs,
      slo: opts.slo,
      data,
      users: usersFor(users),
    })
    const t = result.totals
    log(
      [
        String(rate).padStart(6),
        t.completedRps.toFixed(0).padStart(6),
        t.goodputRps.toFixed(0).padStart(9),
        result.latency.p95.toFixed(1).padStart(7),
        (t.errorRate * 100).toFixed(2).padStart(8),
        (t.shedRate * 100).toFixed(2).padStart(6),
        result.sendLateness.p99.toFixed(1).padStart(12),
        result.slo?.pass ? ' pass' : ' FAIL',
      ].join('  '),
    )
    if (!result.slo?.pass) break
    if (!best || t.goodputRps > best.totals.goodputRps) best = result
  }
  function usersFor(n: number) {
    return users.slice(0, n)
  }
  if (!best) {
    log('the SLO failed at the first step: lower --start-rate')
    return 1
  }
  log(`capacity: ${best.totals.goodputRps.toFixed(0)} req/s of goodput within the SLO (at ${best.scenario})`)
  if (best.sendLateness.p99 > 5) {
    // The generator shared the machine with what it measured: the server may have more to give.
    log(`note: generator send lateness p99 was ${best.sendLateness.p99} ms; the capacity is a lower bound`)
  }
  if (opts.peakTps) {
    const sizing = size({
      capacityRps: best.totals.goodputRps,
      latencyMs: best.latency.mean,
      peakTps: opts.peakTps,
      utilisation: UTILISATION,
      ...(opts.peakUsers ? { peakUsers: opts.peakUsers } : {}),
    })
    for (const line of sizing.lines) log(line)
  }
  return 0
}
