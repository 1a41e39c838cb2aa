/**
 * npm run loadtest -- --target URL --scenario blackfriday --prepare [--scale 0.1] [--duration 30s]
 *   [--connections N] [--report out/report.html] [--json out/result.json] [--slo "p95<300ms,errors<1%"]
 * npm run loadtest -- seed --target URL --scenario blackfriday --out out/seed.json
 * npm run loadtest -- compare a.json b.json [--report out/compare.html]
 * npm run loadtest -- report result.json [--report out/report.html]
 * npm run loadtest -- capacity --target URL --prepare --peak-tps 450 --peak-users 2800
 *
 * Exit codes: 0 ran (and met the SLO), 1 an SLO failed, 2 a usage or run error.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { defaultBusyRetryPolicy } from '../web/src/busy-retry.js'
import { runCapacity } from './capacity/index.js'
import { formatLive } from './live.js'
import {
  parseCapacityOptions,
  parseRunOptions,
  parseSeedOptions,
  type RunOptions,
  UsageError,
} from './options.js'
import { prepareData, readData, scaleSpec } from './prepare/index.js'
import { statusWriter } from './progress.js'
import { seededRandom } from './random.js'
import { compareText, renderCompare, renderReport } from './report/index.js'
import { planStages, runLoadTest } from './run-load-test.js'
import { loadScenario } from './scenarios/index.js'
import { peakUsers, totalDurationSec } from './scheduler/index.js'
import type { RunResult } from './stats/index.js'
import { makeUsers } from './users.js'

const USAGE = `usage:
  floodgate loadtest [run] --target URL --scenario NAME|FILE [--prepare (default) | --data seed.json]
      [--scale 1] [--duration 30s] [--rate N] [--multiple N] [--connections N] [--timeout 10s]
      [--arrivals uniform|poisson] [--seed N] [--request-start] [--retry-busy]
      [--report out/report.html] [--json out/result.json] [--slo "p95<300ms,errors<1%"]
      [--secret S | JWT_SECRET | --token-file F] [--admin-token T] [--first-user 100001] [--quiet]
  floodgate loadtest seed --target URL --scenario NAME [--scale 1] [--out out/seed.json]
  floodgate loadtest compare a.json b.json [--report out/compare.html]
  floodgate loadtest report result.json [--report out/report.html]
  floodgate loadtest capacity --target URL --prepare [--slo ...] [--peak-tps 450 --peak-users 2800]
scenarios: blackfriday, spike, soldout, coupon-rush, soak, or a path to your own module`

function writeFile(file: string, text: string) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  fs.writeFileSync(file, text)
}

async function run(opts: RunOptions): Promise<number> {
  const scenario = await loadScenario(opts.scenario)
  const params = {
    ...(opts.rate ? { rate: opts.rate } : {}),
    ...(opts.multiple ? { multiple: opts.multiple } : {}),
  }
  const rawStages = scenario.stages(params)
  const stages = planStages({ stages: rawStages, scale: opts.scale, durationSec: opts.durationSec })
  const userCount = peakUsers(stages)
  const ttlSeconds = Math.ceil(totalDurationSec(stages)) + 3600
  const data = opts.data
    ? readData(opts.data)
    : await prepareData({
        target: opts.target,
        spec: scaleSpec(scenario.prepare ?? {}, opts.scale),
        firstUserId: opts.firstUserId,
        users: userCount,
        points: opts.points,
        adminId: opts.adminId,
        ttlSeconds,
        ...(opts.secret ? { secret: opts.secret } : {}),
        ...(opts.adminToken ? { adminToken: opts.adminToken } : {}),
        quiet: opts.quiet,
      })
  if (data.users < userCount) {
    throw new UsageError(
      `the seed data has ${data.users} users; this run needs ${userCount} (seed with the same --scale)`,
    )
  }
  const users = await makeUsers(data.firstUserId, userCount, {
    ttlSeconds,
    ...(opts.secret ? { secret: opts.secret } : {}),
    ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
  })
  const write = statusWriter()
  process.stderr.write(
    `${scenario.name}: ${scenario.description}\n${totalDurationSec(stages).toFixed(0)} s, up to ${userCount} users, scale ${opts.scale}, target ${opts.target}\n`,
  )
  const result = await runLoadTest({
    target: opts.target,
    scenarioName: scenario.name,
    stages: rawStages,
    journeys: scenario.journeys,
    thinkMs: scenario.thinkMs,
    scale: opts.scale,
    ...(opts.durationSec !== undefined ? { durationSec: opts.durationSec } : {}),
    connections: opts.connections ?? Math.max(1, userCount),
    arrivals: opts.arrivals,
    ...(opts.seed !== undefined ? { random: seededRandom(opts.seed) } : {}),
    timeoutMs: opts.timeoutMs,
    ...(opts.slo ? { slo: opts.slo } : {}),
    data,
    users,
    options: { ...params, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) },
    ...(opts.quiet ? {} : { onSecond: (live) => write(formatLive(live)) }),
    ...(opts.requestStart ? { stampRequestStart: true } : {}),
    ...(opts.retryBusy ? { retryBusy: defaultBusyRetryPolicy } : {}),
  })
  if (!opts.quiet && process.stderr.isTTY) process.stderr.write('\n')
  process.stdout.write(`${summaryText(result)}\n`)
  if (opts.json) writeFile(opts.json, `${JSON.stringify(result, null, 1)}\n`)
  if (opts.report) writeFile(opts.report, renderReport(result))
  if (opts.report) process.stdout.write(`report: ${opts.report}\n`)
  return result.slo && !result.slo.pass ? 1 : 0
}

export function summaryText(r: RunResult): string {
  const t = r.totals
  const l = r.latency
  const lines = [
    `offered ${t.offered} (${t.offeredRps}/s)  completed ${t.completed}  ok ${t.ok}  shed ${t.shed}  errors ${t.errors}  no answer ${t.failures}`,
    `latency ms  p50 ${l.p50}  p90 ${l.p90}  p95 ${l.p95}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}`,
    `goodput ${t.goodputRps}/s (ok within ${r.goodputObjectiveMs} ms)  error rate ${(t.errorRate * 100).toFixed(2)}%  shed ${(t.shedRate * 100).toFixed(2)}%`,
    `generator send lateness ms  p50 ${r.sendLateness.p50}  p99 ${r.sendLateness.p99}  max ${r.sendLateness.max}`,
  ]
  if (t.retries) lines.push(`resent by shoppers after a refusal ${t.retries} (of the ${t.sent} sent)`)
  if (r.latencyByOutcome && t.shed > 0) {
    const { ok, shed } = r.latencyByOutcome
    lines.push(
      `served ms  p95 ${ok.p95}  p99 ${ok.p99}   refused (time to reject) ms  p95 ${shed.p95}  p99 ${shed.p99}`,
    )
  }
  if (r.slo) {
    for (const c of r.slo.checks)
      lines.push(`SLO ${c.pass ? 'PASS' : 'FAIL'}  ${c.objective}  (measured ${c.actual}${c.unit})`)
    lines.push(`SLO ${r.slo.pass ? 'PASS' : 'FAIL'}`)
  }
  return lines.join('\n')
}

async function seedCommand(args: string[]): Promise<number> {
  const opts = parseSeedOptions(args, process.env)
  const scenario = await loadScenario(opts.scenario)
  const stages = planStages({
    stages: scenario.stages({
      ...(opts.rate ? { rate: opts.rate } : {}),
      ...(opts.multiple ? { multiple: opts.multiple } : {}),
    }),
    scale: opts.scale,
  })
  const data = await prepareData({
    target: opts.target,
    spec: scaleSpec(scenario.prepare ?? {}, opts.scale),
    firstUserId: opts.firstUserId,
    users: peakUsers(stages),
    points: opts.points,
    adminId: opts.adminId,
    ttlSeconds: 3600,
    ...(opts.secret ? { secret: opts.secret } : {}),
    ...(opts.adminToken ? { adminToken: opts.adminToken } : {}),
  })
  writeFile(opts.out, `${JSON.stringify(data, null, 1)}\n`)
  process.stdout.write(`seed data: ${opts.out}\n`)
  return 0
}

function compareCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { report: { type: 'string', default: 'out/compare.html' } },
  })
  if (positionals.length !== 2) throw new UsageError('compare needs two result files: compare a.json b.json')
  const [fa, fb] = positionals as [string, string]
  const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8')) as RunResult
  const names: [string, string] = [path.basename(fa, '.json'), path.basename(fb, '.json')]
  const a = read(fa)
  const b = read(fb)
  process.stdout.write(`${compareText(a, b, names)}\n`)
  writeFile(values.report, renderCompare(a, b, names))
  process.stdout.write(`overlay chart: ${values.report}\n`)
  return 0
}

/** `report result.json [--report out/report.html]`: the HTML again from a JSON result. */
function reportCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { report: { type: 'string', default: 'out/report.html' } },
  })
  if (positionals.length !== 1) throw new UsageError('report needs one result file: report result.json')
  const result = JSON.parse(fs.readFileSync(positionals[0]!, 'utf8')) as RunResult
  writeFile(values.report, renderReport(result))
  process.stdout.write(`report: ${values.report}\n`)
  return 0
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  try {
    if (first === 'help' || first === '--help' || first === '-h') {
      process.stdout.write(`${USAGE}\n`)
      return 0
    }
    if (first === 'seed') return await seedCommand(rest)
    if (first === 'compare') return compareCommand(rest)
    if (first === 'report') return reportCommand(rest)
    if (first === 'capacity') return await runCapacity(parseCapacityOptions(rest, process.env))
    const args = first === 'run' ? rest : argv
    return await run(parseRunOptions(args, process.env))
  } catch (error) {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    process.stderr.write(`${(error as Error).message}\n${usage ? `${USAGE}\n` : ''}`)
    return 2
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('loadtest/cli.ts')) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  })
}
