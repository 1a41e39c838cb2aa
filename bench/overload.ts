/**
 * The overload proof: `npm run bench:overload [-- --mode embedded|production|both] [--quick]`.
 *
 * For each mode, two fresh servers side by side (admission on, and `FLOODGATE_ADMISSION=off`):
 * 1. capacity C: the sale mix offered at a rate growing 25 % a step until the SLO (p95 < 300 ms,
 *    errors < 1 %, refusals < 1 %) fails; C is the highest goodput that held on either server;
 * 2. the blackfriday spike at 3x C with 2,800 connections against the unprotected server, then the
 *    protected one;
 * 3. the same spike at 10x C against the protected server (the generator shares the two cores:
 *    the factor it really reached is reported);
 * 4. what a refusal costs in server CPU, against a served request at capacity: refusals at C and at
 *    3x C (the spike's rate, where refusals happen; per-request costs fall as the rate rises, since
 *    more requests share each turn of the event loop and each wake-up); at 3x C also the floor, a
 *    bare node:http server on the same core sending the same refusal to the same load.
 * The server runs on the last core, the generator on the others (`--no-pin` lifts that); the
 * embedded server is held to a quarter of its core (`--embedded-share`, lib/cpu-quota.ts), else
 * the generator could not offer it more than its capacity. `--production-share` likewise (0: none).
 * Results go to docs/benchmarks.md (section `overload`), HTML reports to docs/overload/.
 * `--diagnose C` runs only the protected spike at 3x the given C and prints where its refusals
 * came from, per reason, class and journey step (writes nothing); with `--cpu-prof`, where the
 * server's time went; with `--warm`, after the capacity steps on the same server, as in the proof;
 * with `--warm --restart` (production mode), on a fresh server process over the warmed database;
 * with `--retry-busy`, refused shoppers come back as the storefront makes them, and checkout is
 * also counted per shopper (not part of the proof: on this machine the generator cannot carry the
 * resends at 3x C; docs/benchmarks.md, "Shoppers who come back").
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import {
  type Journey,
  type RunResult,
  renderCompare,
  renderReport,
  runLoadTest,
  type ScenarioData,
  type Stage,
  saleMix,
  type VirtualUser,
} from '../loadtest/index.js'
import { prepareData } from '../loadtest/prepare/index.js'
import { makeUsers } from '../loadtest/users.js'
import { type BusyRetryPolicy, defaultBusyRetryPolicy } from '../web/src/busy-retry.js'
import { type CpuSample, sampleCpu } from './lib/cpu.js'
import { findProfile, renderProfile, summariseProfile } from './lib/cpu-profile.js'
import { describeEnvironment } from './lib/environment.js'
import {
  connectionErrors,
  isBrowsing,
  isCheckout,
  perSecond,
  recovery,
  secondsIn,
  shopperTally,
  tally,
  type Window,
} from './lib/overload-analysis.js'
import { type Mode, startTarget, type Target } from './lib/overload-target.js'
import { type Check, fmt, writeSection } from './lib/report.js'
import { type FixedAnswer, type Placement, ROOT, startBare } from './lib/server.js'

/**
 * Capacity's SLO. C is what the server serves fresh: a step where more than 1 % of answers are the
 * catalog's last good answers (stale.ts) is already degrading, as one refusing 1 % is overloaded.
 * In the spike those stale answers count as goodput: serving them is the degradation asked for.
 */
const SLO = 'p95<300ms,errors<1%,shed<1%,stale<1%'
const OBJECTIVE_MS = 300
const PEAK_USERS = 2800
const BASE_USERS = 200
const TIMEOUT_MS = 10_000
const FIRST_USER = 100_001

interface Settings {
  quick: boolean
  capacityStart: number
  stepSec: number
  /** Durations of blackfriday's stages, squeezed: before, rush, sale, winding down, after. */
  shape: [number, number, number, number, number]
  factor: number
  maxFactor: number
  /** Where each mode's servers run: pinned to a core the generator does not use, held to a share of it. */
  placement: Record<Mode, Placement>
}

const log = (line: string) => process.stdout.write(`${line}\n`)

interface Loaded {
  target: Target
  data: ScenarioData
  users: VirtualUser[]
}

async function load(target: Target): Promise<Loaded> {
  const ttlSeconds = 4 * 3600
  const data = await prepareData({
    target: target.url,
    spec: { products: 20 },
    firstUserId: FIRST_USER,
    users: PEAK_USERS,
    points: 1_000_000,
    adminId: 1000,
    ttlSeconds,
    secret: target.secret,
    quiet: true,
  })
  const users = await makeUsers(FIRST_USER, PEAK_USERS, { ttlSeconds, secret: target.secret })
  return { target, data, users }
}

/** A run with CPU read each second: `cpu[t]` holds the CPU seconds used up to second t. */
async function run(
  on: Loaded,
  name: string,
  stages: Stage[],
  thinkMs: [number, number],
  journeys: Journey[] = saleMix(),
  retryBusy?: BusyRetryPolicy,
): Promise<{ result: RunResult; cpu: CpuSample[] }> {
  const connections = Math.max(
    ...stages.flatMap((s) => (typeof s.users === 'number' ? [s.users] : [s.users.from, s.users.to])),
  )
  const cpu: CpuSample[] = [sampleCpu(on.target.pid)]
  const result = await runLoadTest({
    target: on.target.url,
    scenarioName: name,
    stages,
    journeys,
    thinkMs,
    connections,
    timeoutMs: TIMEOUT_MS,
    slo: SLO,
    data: on.data,
    users: on.users,
    // The generator stands in for the load balancer, which stamps when each request reached it.
    stampRequestStart: true,
    ...(retryBusy ? { retryBusy } : {}),
    onSecond: (live) => {
      cpu[live.elapsedSec] = sampleCpu(on.target.pid)
    },
  })
  return { result, cpu }
}

/** CPU seconds used over a window: by the server, by this process (the generator), by the machine. */
const cpuOver = (
  cpu: CpuSample[],
  w: Window,
  who: 'server' | 'serverSystem' | 'self' | 'machine' = 'server',
): number | undefined => {
  const a = cpu[w.from]
  const b = cpu[w.to]
  return a === undefined || b === undefined ? undefined : b[who] - a[who]
}

/** The kernel's share (system time) of the server's CPU over a window. */
const kernelShareOver = (cpu: CpuSample[], w: Window): number | undefined => {
  const all = cpuOver(cpu, w)
  const system = cpuOver(cpu, w, 'serverSystem')
  return all && system !== undefined ? system / all : undefined
}

/** Cores busy on average over a window (1.00 = one core the whole time). */
const cores = (cpu: CpuSample[], w: Window, who: 'server' | 'self' | 'machine') => {
  const used = cpuOver(cpu, w, who)
  return used === undefined ? 'n/a' : fmt.cores(used / (w.to - w.from))
}

interface Step {
  rate: number
  goodput: number
  p95: number
  pass: boolean
  /** Server CPU seconds per answer on the plateau. */
  cpuPerAnswer: number | undefined
  /** The part of it spent in the kernel (system time). */
  kernelShare: number | undefined
}

/** Capacity: the highest plateau goodput of a step that met the SLO. */
async function capacity(on: Loaded, s: Settings): Promise<{ best: Step | undefined; steps: Step[] }> {
  const steps: Step[] = []
  const ramp = 2
  for (let rate = s.capacityStart; rate < 50_000; rate = Math.round(rate * 1.25)) {
    const users = Math.min(PEAK_USERS, rate + 50)
    const { result, cpu } = await run(
      on,
      `capacity@${rate}`,
      [
        { durationSec: ramp, rate: { from: rate / 2, to: rate }, users },
        { durationSec: s.stepSec, rate, users },
      ],
      [0, 0],
    )
    const plateau = { from: ramp + 1, to: ramp + s.stepSec }
    const serverCpu = cpuOver(cpu, plateau)
    const answers = perSecond(result, plateau, 'completed') * (plateau.to - plateau.from)
    const step: Step = {
      rate,
      goodput: perSecond(result, plateau, 'goodput'),
      p95: result.latency.p95,
      pass: result.slo?.pass ?? false,
      cpuPerAnswer: serverCpu === undefined || answers === 0 ? undefined : serverCpu / answers,
      kernelShare: kernelShareOver(cpu, plateau),
    }
    steps.push(step)
    log(
      `  ${on.target.admission ? 'on ' : 'off'} ${String(rate).padStart(6)}/s  goodput ${step.goodput.toFixed(0).padStart(6)}/s  p95 ${step.p95.toFixed(1).padStart(7)} ms  errors ${(result.totals.errorRate * 100).toFixed(2)}%  shed ${(result.totals.shedRate * 100).toFixed(2)}%  stale ${((result.totals.staleRate ?? 0) * 100).toFixed(2)}%  lateness p99 ${result.sendLateness.p99} ms  ${step.pass ? 'pass' : 'FAIL'}`,
    )
    if (!step.pass) break
  }
  const passed = steps.filter((x) => x.pass)
  const best = passed.reduce<Step | undefined>((b, x) => (!b || x.goodput > b.goodput ? x : b), undefined)
  return { best, steps }
}

/**
 * Blackfriday's shape (steady, rush, sale, winding down, after) with the sale at `factor` x C and
 * 2,800 users; before and after at C/3 with 200 users. Think time keeps blackfriday's spread,
 * shortened where needed so the users can carry the rate (else the generator, not the server,
 * would make arrivals wait).
 */
export function spikePlan(c: number, factor: number, s: Settings) {
  const base = c / 3
  const peak = c * factor
  const [before, rush, sale, winding, after] = s.shape
  const stages: Stage[] = [
    { label: 'before the sale', durationSec: before, rate: base, users: BASE_USERS },
    {
      label: 'T0: the rush',
      durationSec: rush,
      rate: { from: base, to: peak },
      users: { from: BASE_USERS, to: PEAK_USERS },
    },
    { label: 'the sale', durationSec: sale, rate: peak, users: PEAK_USERS },
    {
      label: 'winding down',
      durationSec: winding,
      rate: { from: peak, to: base },
      users: { from: PEAK_USERS, to: BASE_USERS },
    },
    { label: 'after', durationSec: after, rate: base, users: BASE_USERS },
  ]
  // Mean think time at most half of what the tightest stage allows (users / rate), minus a
  // latency allowance; blackfriday's own is 1.75 s (0.5 to 3 s).
  const room = Math.min(BASE_USERS / base, PEAK_USERS / peak) / 2 - 0.1
  const mean = Math.max(0, Math.min(1.75, room))
  const thinkMs: [number, number] = [
    Math.round((mean * 1000 * 2 * 500) / 3500),
    Math.round((mean * 1000 * 2 * 3000) / 3500),
  ]
  const saleWindow: Window = { from: before + rush, to: before + rush + sale }
  return {
    stages,
    thinkMs,
    baseline: { from: Math.min(5, before - 1), to: before } as Window,
    sale: saleWindow,
    spikeEnd: before + rush + sale + winding,
  }
}

interface SpikeRun {
  factor: number
  result: RunResult
  cpu: CpuSample[]
  plan: ReturnType<typeof spikePlan>
}

/**
 * The spike at `factor` x C. `retry`: refused shoppers come back as the storefront makes them
 * (Retry-After plus jitter, up to 5 attempts), which adds their resends to the load.
 */
async function spike(on: Loaded, c: number, factor: number, s: Settings, retry = false): Promise<SpikeRun> {
  const plan = spikePlan(c, factor, s)
  const label = `blackfriday at ${factor}x C (${on.target.mode}, admission ${on.target.admission ? 'on' : 'off'}${retry ? ', shoppers retry' : ''})`
  log(`  ${label}: sale at ${Math.round(c * factor)}/s, think ${plan.thinkMs[0]}-${plan.thinkMs[1]} ms`)
  const { result, cpu } = await run(
    on,
    label,
    plan.stages,
    plan.thinkMs,
    undefined,
    retry ? defaultBusyRetryPolicy : undefined,
  )
  const sale = plan.sale
  log(
    `    sale goodput ${perSecond(result, sale, 'goodput').toFixed(0)}/s (stale ${perSecond(result, sale, 'stale').toFixed(0)}/s)  sent ${perSecond(result, sale, 'sent').toFixed(0)}/s  shed ${result.totals.shed}  errors ${result.totals.errors}  no answer ${JSON.stringify(result.failures)}  served p95 ${result.latencyByOutcome?.ok.p95} ms  reject p99 ${result.latencyByOutcome?.shed.p99} ms  lateness p99 ${result.sendLateness.p99} ms`,
  )
  const shoppers = shopperTally(result, isCheckout)
  log(
    `    checkout per request ${fmt.pct(tally(result, isCheckout).success)}, per shopper ${fmt.pct(shoppers.success)} of ${shoppers.attempts} (${shoppers.retries} resends)`,
  )
  return { factor, result, cpu, plan }
}

/**
 * What a refusal costs: every client limited to one request per 1,000 s, the sale mix at `rate`.
 * With `floor`, the same load then goes to a bare node:http server on the same core that answers
 * every request with the refusal Floodgate sent: what any Node process pays to answer at all.
 */
async function refusalCost(
  mode: Mode,
  rate: number,
  s: Settings,
  {
    nodeArgs = [],
    env = {},
    floor = false,
  }: { nodeArgs?: string[]; env?: Record<string, string>; floor?: boolean } = {},
) {
  const target = await startTarget(
    mode,
    true,
    {
      ...env,
      RATE_LIMIT_USER_RATE: '0.001',
      RATE_LIMIT_USER_BURST: '1',
      RATE_LIMIT_IP_RATE: '0.001',
      RATE_LIMIT_IP_BURST: '1',
    },
    nodeArgs,
    s.placement[mode],
  )
  let on: Loaded
  let cost: PlateauCost
  let sample: FixedAnswer
  try {
    // Seeding charges every user once (an admin, not limited); that spends nobody's burst.
    on = await load(target)
    const users = Math.min(PEAK_USERS, rate + 50)
    // Each user's first request is let through (its burst of 1) and has its token checked for the
    // first time (about 150 µs of HMAC); both are spent here, before the run, so the plateau
    // measures refusals and not served requests and first checks of users arriving late.
    await warmUsers(target.url, on.users.slice(0, users))
    cost = await plateauCost(on, `refusals@${rate}`, rate, s)
    sample = await readAnswer(target.url, on.users[0]!)
  } finally {
    await target.stop()
  }
  if (!floor) return { ...cost, floor: undefined }
  if (sample.status !== 429) throw new Error(`the refusal sample answered ${sample.status}, not 429`)
  const bare = await startBare({
    path: '/health/ready',
    body: '{}',
    contentType: 'application/json',
    refusal: sample,
    placement: s.placement[mode],
  })
  try {
    const floorTarget: Target = { ...target, url: bare.url, pid: bare.pid, stop: bare.stop }
    return { ...cost, floor: await plateauCost({ ...on, target: floorTarget }, `bare@${rate}`, rate, s) }
  } finally {
    await bare.stop()
  }
}

/** The floor under a refusal, in words. */
const floorText = (floor: PlateauCost | undefined): string =>
  floor
    ? `bare node:http sending the same refusal (${fmt.pct(floor.refusedShare)} of ${fmt.int(floor.answers)} answers 429): ${fmt.us(floor.cpuPerAnswer)} each (${fmt.pct(floor.kernelShare)} in the kernel)`
    : 'no floor measured'

interface PlateauCost {
  window: { fromUs: number; toUs: number }
  cpuPerAnswer: number
  kernelShare: number
  refusedShare: number
  answers: number
}

/** The sale mix at `rate` (after a 2 s ramp): server CPU per answer over the plateau. */
async function plateauCost(on: Loaded, name: string, rate: number, s: Settings): Promise<PlateauCost> {
  const users = Math.min(PEAK_USERS, rate + 50)
  const ramp = 2
  const { result, cpu } = await run(
    on,
    name,
    [
      { durationSec: ramp, rate: { from: rate / 2, to: rate }, users },
      { durationSec: s.stepSec, rate, users },
    ],
    [0, 0],
  )
  const plateau = { from: ramp + 1, to: ramp + s.stepSec }
  const seconds = secondsIn(result, plateau)
  const answers = seconds.reduce((sum, x) => sum + x.completed, 0)
  const refused = seconds.reduce((sum, x) => sum + x.shed, 0)
  const serverCpu = cpuOver(cpu, plateau) ?? Number.NaN
  return {
    window: { fromUs: cpu[plateau.from]?.atUs ?? 0, toUs: cpu[plateau.to]?.atUs ?? Infinity },
    cpuPerAnswer: serverCpu / answers,
    kernelShare: kernelShareOver(cpu, plateau) ?? Number.NaN,
    refusedShare: refused / Math.max(1, answers),
    answers,
  }
}

/**
 * One authenticated read by `user`, as sent: its status, the headers Floodgate chose (not those
 * node:http adds to every answer) and its body.
 */
async function readAnswer(url: string, user: VirtualUser): Promise<FixedAnswer> {
  const res = await fetch(`${url}/api/v1/points/users/${user.id}`, {
    headers: { authorization: user.authorization },
  })
  const headers: Record<string, string> = {}
  for (const [name, value] of res.headers) {
    if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name))
      headers[name] = value
  }
  return { status: res.status, headers, body: await res.text() }
}

/** One authenticated read per user: its token checked and remembered, its burst spent. */
async function warmUsers(url: string, users: VirtualUser[]): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++]!
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${url}/api/v1/points/users/${user.id}`, {
          headers: { authorization: user.authorization },
        })
        await res.arrayBuffer()
        if (res.status === 200 || res.status === 429) break
        // A 503 is admission's answer to a burst; it is retried, anything else is a failure.
        if (res.status !== 503 || attempt === 5) throw new Error(`warming user ${user.id}: ${res.status}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
}

interface ModeOutcome {
  mode: Mode
  c: number
  capacityOn: Step[]
  capacityOff: Step[]
  servedCpu: number | undefined
  servedKernelShare: number | undefined
  /** Where the served cost was read: the step that set C. */
  servedAt: string
  refusal: Awaited<ReturnType<typeof refusalCost>>
  refusalAtSpike: Awaited<ReturnType<typeof refusalCost>>
  unprotected: SpikeRun
  protected: SpikeRun
  beyond: SpikeRun
}

/** The admission counters a server exposes, as `name{labels}` → value (counters and histogram sums). */
async function scrapeAdmission(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const series = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match =
      /^(floodgate_(?:rate_limited_total|admission_(?:rejected_total|served_stale_total|queue_seconds_(?:sum|count)))(?:\{[^}]*\})?) (\S+)$/.exec(
        line,
      )
    if (match) series.set(match[1]!, Number(match[2]))
  }
  return series
}

/** The admission and pool gauges once a second while a run goes on (for `--diagnose`). */
function sampleGauges(url: string): { stop(): Record<string, number>[] } {
  const rows: Record<string, number>[] = []
  const names: Record<string, string> = {
    floodgate_admission_limit: 'limit',
    floodgate_admission_in_service: 'inService',
    floodgate_admission_queued: 'queued',
    floodgate_event_loop_utilization: 'elu',
    'floodgate_db_pool_connections{state="in_use"}': 'poolUsed',
    'floodgate_db_pool_connections{state="waiting"}': 'poolWaiting',
    floodgate_outbox_backlog: 'outbox',
  }
  const timer = setInterval(async () => {
    const row: Record<string, number> = {}
    rows.push(row)
    try {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(900) })).text()
      for (const line of text.split('\n')) {
        const space = line.lastIndexOf(' ')
        const key = names[line.slice(0, space)]
        if (key) row[key] = Number(line.slice(space + 1))
        if (line.startsWith('floodgate_event_loop_lag_seconds '))
          row['lagMs'] = Number(line.slice(space + 1)) * 1000
      }
    } catch {
      // a scrape that timed out leaves its second empty
    }
  }, 1000)
  return {
    stop() {
      clearInterval(timer)
      return rows
    },
  }
}

/**
 * `--diagnose C`: the protected spike alone at 3x the given C, then where its refusals came from
 * (the server's counters by reason and class) and how each journey step fared. For finding out why
 * a target is missed; it writes nothing.
 */
async function diagnose(
  mode: Mode,
  c: number,
  s: Settings,
  profile: boolean,
  env: Record<string, string>,
  warm: boolean,
  restart = false,
  retry = false,
): Promise<void> {
  const profiler = cpuProfiler(profile)
  const on = await load(await startTarget(mode, true, env, profiler.nodeArgs, s.placement[mode]))
  let window: { fromUs: number; toUs: number } | undefined
  try {
    // `--warm`: the capacity steps first, as the proof runs them before its spike on the same server.
    if (warm) await capacity(on, s)
    if (warm && restart) {
      if (!on.target.restart) throw new Error(`--restart needs production mode`)
      await on.target.restart()
    }
    const before = await scrapeAdmission(on.target.url)
    const gauges = sampleGauges(on.target.url)
    const { result, cpu, plan } = await spike(on, c, s.factor, s, retry)
    const timeline = gauges.stop()
    window = { fromUs: cpu[plan.sale.from]?.atUs ?? 0, toUs: cpu[plan.sale.to]?.atUs ?? Infinity }
    log(
      `  server CPU during the sale: ${((cpuOver(cpu, plan.sale) ?? Number.NaN) / (plan.sale.to - plan.sale.from)).toFixed(2)} cores`,
    )
    const after = await scrapeAdmission(on.target.url)
    log(
      '  server gauges, every 5th second (limit / in service / queued / loop utilization / lag ms / pool in use / pool waiting / outbox backlog):',
    )
    for (const [i, g] of timeline.entries())
      if (i % 5 === 0)
        log(
          `    ${String(i).padStart(3)} s  ${[
            'limit',
            'inService',
            'queued',
            'elu',
            'lagMs',
            'poolUsed',
            'poolWaiting',
            'outbox',
          ]
            .map((k) => (g[k] ?? Number.NaN).toFixed(k === 'elu' ? 2 : 0).padStart(6))
            .join(' ')}`,
        )
    log('  server counters during the run (delta):')
    for (const [name, value] of after) {
      const delta = value - (before.get(name) ?? 0)
      if (delta > 0) log(`    ${name} ${Number.isInteger(delta) ? delta : delta.toFixed(3)}`)
    }
    log('  journey steps (ok / shed / errors / no answer; latency of all answers p50 / p95 / p99):')
    for (const step of result.steps)
      log(
        `    ${step.name.padEnd(28)} ${step.ok} / ${step.shed} / ${step.errors} / ${step.failures};  ${step.latency.p50} / ${step.latency.p95} / ${step.latency.p99} ms`,
      )
  } finally {
    await on.target.stop()
  }
  profiler.report(window, 'the sale stage')
}

/** `--cpu-prof`: node's flags for a profile of the server, and its summary once the server exited. */
function cpuProfiler(on: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-prof-'))
  return {
    nodeArgs: on ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
    report(window: { fromUs: number; toUs: number } | undefined, what: string) {
      const file = findProfile(dir)
      if (file)
        log(renderProfile(summariseProfile(file, window, 40), `  CPU profile of the server (${what}):`))
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** `--probe R`: the refusal probe alone at R requests/s, and optionally where its CPU went. */
async function probe(
  mode: Mode,
  rate: number,
  s: Settings,
  profile: boolean,
  env: Record<string, string>,
): Promise<void> {
  const profiler = cpuProfiler(profile)
  const r = await refusalCost(mode, rate, s, { nodeArgs: profiler.nodeArgs, env, floor: true })
  log(
    `  ${mode} refusals at ${rate}/s: ${fmt.pct(r.refusedShare)} of ${fmt.int(r.answers)} answers refused, ` +
      `${fmt.us(r.cpuPerAnswer)} of server CPU each (${fmt.pct(r.kernelShare)} in the kernel); ${floorText(r.floor)}`,
  )
  profiler.report(r.window, 'the plateau')
}

async function proveMode(mode: Mode, s: Settings): Promise<ModeOutcome> {
  log(`\n${mode}: starting two servers (admission on, admission off) and seeding ${PEAK_USERS} users each`)
  const on = await load(await startTarget(mode, true, {}, [], s.placement[mode]))
  const off = await load(await startTarget(mode, false, {}, [], s.placement[mode])).catch(async (error) => {
    await on.target.stop()
    throw error
  })
  try {
    log(`${mode}: capacity (SLO ${SLO})`)
    const capOn = await capacity(on, s)
    const capOff = await capacity(off, s)
    const c = Math.max(capOn.best?.goodput ?? 0, capOff.best?.goodput ?? 0)
    if (c === 0) throw new Error(`${mode}: the SLO failed at the first step; lower the start rate`)
    // A served request's cost is read at the step that set C, on whichever server held it: the
    // cost per answer falls as the rate rises, so another step would be another denominator.
    const atC = capOn.best?.goodput === c ? capOn.best : capOff.best!
    const servedAt = `${capOn.best?.goodput === c ? 'protected' : 'unprotected'} server, ${fmt.int(atC.rate)}/s step`
    log(`${mode}: C = ${c.toFixed(0)} req/s`)
    const unprotected = await spike(off, c, s.factor, s)
    await off.target.stop()
    const protectedRun = await spike(on, c, s.factor, s)
    const beyond = await spike(on, c, s.maxFactor, s)
    await on.target.stop()
    const refusal = await refusalCost(mode, Math.round(c), s)
    const refusalAtSpike = await refusalCost(mode, Math.round(c * s.factor), s, { floor: true })
    return {
      mode,
      c,
      capacityOn: capOn.steps,
      capacityOff: capOff.steps,
      servedCpu: atC.cpuPerAnswer,
      servedKernelShare: atC.kernelShare,
      servedAt,
      refusal,
      refusalAtSpike,
      unprotected,
      protected: protectedRun,
      beyond,
    }
  } finally {
    await on.target.stop()
    await off.target.stop()
  }
}

function checksFor(o: ModeOutcome): Check[] {
  const p = o.protected.result
  const u = o.unprotected.result
  const sale = o.protected.plan.sale
  const goodput = perSecond(p, sale, 'goodput')
  const unprotectedGoodput = perSecond(u, o.unprotected.plan.sale, 'goodput')
  const checkout = tally(p, isCheckout)
  const rec = recovery(p, o.protected.plan.baseline, o.protected.plan.spikeEnd)
  const conn = connectionErrors(p)
  const ok = p.latencyByOutcome?.ok
  const shed = p.latencyByOutcome?.shed
  const refusalShare = o.servedCpu ? o.refusal.cpuPerAnswer / o.servedCpu : Number.NaN
  const spikeRefusalShare = o.servedCpu ? o.refusalAtSpike.cpuPerAnswer / o.servedCpu : Number.NaN
  // What any Node process pays to answer at all: the part of the target no refusal of ours can win.
  const floorShare =
    o.servedCpu && o.refusalAtSpike.floor ? o.refusalAtSpike.floor.cpuPerAnswer / o.servedCpu : Number.NaN
  const perf = (metric: string, measured: string, target: string, pass: boolean): Check => ({
    metric: `${o.mode}: ${metric}`,
    measured,
    target,
    pass,
    kind: 'performance',
  })
  return [
    perf('client connection errors at 3x C (resets, refused, timeouts)', fmt.int(conn), '0', conn === 0),
    perf(
      'goodput during the sale at 3x C',
      `${fmt.int(goodput)}/s = ${fmt.pct(goodput / o.c)} of C`,
      '≥ 85% of C',
      goodput >= 0.85 * o.c,
    ),
    perf(
      'goodput vs the unprotected run',
      `${(goodput / Math.max(1, unprotectedGoodput)).toFixed(1)}x (${fmt.int(unprotectedGoodput)}/s off)`,
      '≥ 3x',
      // 0/s against 0/s is no protection, though 0 >= 3 x 0.
      goodput > 0 && goodput >= 3 * unprotectedGoodput,
    ),
    perf(
      'checkout succeeded (orders, payments, cancels)',
      `${(checkout.success * 100).toFixed(2)}% of ${fmt.int(checkout.attempts)}`,
      '≥ 99%',
      checkout.success >= 0.99,
    ),
    perf('p95 of admitted requests', ok ? fmt.ms(ok.p95) : 'n/a', '< 300 ms', !!ok && ok.p95 < 300),
    perf(
      'p99 time to reject',
      shed && p.totals.shed > 0 ? fmt.ms(shed.p99) : 'nothing refused',
      '< 10 ms',
      // A spike at 3x C that met no refusal was not protected, however fast nothing was refused.
      !!shed && p.totals.shed > 0 && shed.p99 < 10,
    ),
    perf(
      "CPU of a refusal at the spike's rate (3x C) vs an average served request at C",
      `${fmt.pct(spikeRefusalShare)} (${fmt.us(o.refusalAtSpike.cpuPerAnswer)} vs ${o.servedCpu ? fmt.us(o.servedCpu) : 'n/a'}); refusals at C: ${fmt.pct(refusalShare)} (${fmt.us(o.refusal.cpuPerAnswer)}); bare node:http's floor at 3x C: ${fmt.pct(floorShare)} (${fmt.us(o.refusalAtSpike.floor?.cpuPerAnswer ?? Number.NaN)})`,
      '< 10%',
      spikeRefusalShare < 0.1,
    ),
    perf(
      'p95 back to its pre-spike level after the spike',
      rec.seconds === undefined
        ? 'not within the run'
        : `${rec.seconds} s (pre-spike p95 ≤ ${fmt.ms(rec.baselineP95)})`,
      '≤ 5 s',
      rec.seconds !== undefined && rec.seconds <= 5,
    ),
  ]
}

function factorReached(o: ModeOutcome): number {
  return perSecond(o.beyond.result, o.beyond.plan.sale, 'sent') / o.c
}

function describe(o: ModeOutcome, s: Settings): string[] {
  const lines: string[] = []
  const row = (r: SpikeRun, name: string) => {
    const x = r.result
    const w = r.plan.sale
    const br = tally(x, isBrowsing)
    const co = tally(x, isCheckout)
    return `| ${name} | ${fmt.int(perSecond(x, w, 'sent'))}/s | ${fmt.int(perSecond(x, w, 'goodput'))}/s (${fmt.int(perSecond(x, w, 'stale'))}/s stale) | ${fmt.int(perSecond(x, w, 'shed'))}/s | ${x.latencyByOutcome ? fmt.ms(x.latencyByOutcome.ok.p95) : 'n/a'} | ${x.totals.shed > 0 && x.latencyByOutcome ? fmt.ms(x.latencyByOutcome.shed.p99) : '-'} | ${fmt.int(x.totals.errors)} | ${fmt.int(connectionErrors(x))} (${fmt.int(x.failures.reset)} / ${fmt.int(x.failures.refused)} / ${fmt.int(x.failures.timeout)}) | ${(co.success * 100).toFixed(1)}% of ${fmt.int(co.attempts)} | ${(br.success * 100).toFixed(1)}% | ${x.sendLateness.p99} ms | ${cores(r.cpu, w, 'server')} / ${cores(r.cpu, w, 'self')} / ${cores(r.cpu, w, 'machine')} |`
  }
  lines.push(
    `#### ${o.mode === 'embedded' ? 'Embedded default (SQLite, one process)' : 'Production mode (MariaDB + Redis, one instance)'}`,
    '',
    `Capacity C = **${fmt.int(o.c)} req/s** of goodput (the sale mix, answered OK within ${OBJECTIVE_MS} ms, fresh: stale answers under 1 %, SLO \`${SLO}\`, ${s.stepSec} s steps, 25 % apart):`,
    '',
    '| offered | goodput, admission on | p95 | goodput, admission off | p95 |',
    '|---|---|---|---|---|',
  )
  const rates = [...new Set([...o.capacityOn, ...o.capacityOff].map((x) => x.rate))].sort((a, b) => a - b)
  for (const rate of rates) {
    const a = o.capacityOn.find((x) => x.rate === rate)
    const b = o.capacityOff.find((x) => x.rate === rate)
    const cell = (x: Step | undefined) =>
      x ? [`${fmt.int(x.goodput)}/s${x.pass ? '' : ' (SLO failed)'}`, fmt.ms(x.p95)] : ['-', '-']
    lines.push(`| ${fmt.int(rate)}/s | ${cell(a).join(' | ')} | ${cell(b).join(' | ')} |`)
  }
  lines.push(
    '',
    'The spike (sale stage averages; latency percentiles and counts over the whole run):',
    '',
    '| run | sent | goodput (stale answers) | refused | admitted p95 | reject p99 | other errors | no answer (reset / refused / timeout) | checkout ok | browsing ok | generator lateness p99 | cores: server / generator / machine (of 2) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    row(o.unprotected, `3x C, \`FLOODGATE_ADMISSION=off\``),
    row(o.protected, '3x C, admission on'),
    row(o.beyond, `${s.maxFactor}x C, admission on`),
    '',
    `Highest factor reached: **${factorReached(o).toFixed(1)}x C** sent during the ${s.maxFactor}x C sale stage (${fmt.int(perSecond(o.beyond.result, o.beyond.plan.sale, 'sent'))}/s of ${fmt.int(o.c * s.maxFactor)}/s asked; the generator shares the two cores with the server${o.mode === 'production' ? ', MariaDB and Redis' : ''}).`,
    `Refusal cost probe: every client limited to one request per 1,000 s, the sale mix at C: ${(o.refusal.refusedShare * 100).toFixed(1)}% of ${fmt.int(o.refusal.answers)} answers were 429, ${fmt.us(o.refusal.cpuPerAnswer)} of server CPU each (${fmt.pct(o.refusal.kernelShare)} of it in the kernel); at 3x C: ${(o.refusalAtSpike.refusedShare * 100).toFixed(1)}% of ${fmt.int(o.refusalAtSpike.answers)} answers were 429, ${fmt.us(o.refusalAtSpike.cpuPerAnswer)} each (${fmt.pct(o.refusalAtSpike.kernelShare)} in the kernel), then ${floorText(o.refusalAtSpike.floor)}; a served request at C (${o.servedAt}): ${o.servedCpu ? `${fmt.us(o.servedCpu)} (${fmt.pct(o.servedKernelShare ?? Number.NaN)} in the kernel)` : 'n/a'}.`,
    `Reports: [protected](overload/${o.mode}-protected.html), [unprotected](overload/${o.mode}-unprotected.html), [side by side](overload/${o.mode}-compare.html), [${s.maxFactor}x C](overload/${o.mode}-${s.maxFactor}x.html).`,
  )
  return lines
}

function placementText(p: Placement): string {
  const where =
    p.cpus === undefined
      ? 'not pinned: servers and generator share all cores'
      : `server pinned to core ${p.cpus} (\`taskset\`), the generator (this process) to the others; MariaDB and Redis float`
  return p.cpuShare === undefined
    ? where
    : `${where}; the server held to ${p.cpuShare} of a core (a CPU cgroup, 10 ms period)`
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const { values } = parseArgs({
    args,
    options: {
      mode: { type: 'string', default: 'both' },
      quick: { type: 'boolean', default: false },
      'start-rate': { type: 'string' },
      'max-factor': { type: 'string', default: '10' },
      'no-write': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      'embedded-share': { type: 'string', default: '0.25' },
      'production-share': { type: 'string', default: '0' },
      diagnose: { type: 'string' },
      probe: { type: 'string' },
      'server-env': { type: 'string', multiple: true, default: [] },
      'cpu-prof': { type: 'boolean', default: false },
      warm: { type: 'boolean', default: false },
      'retry-busy': { type: 'boolean', default: false },
      restart: { type: 'boolean', default: false },
    },
  })
  // The server gets the last core, this process (the generator) the others: the server's budget
  // is then the same at capacity and in the spike, where an unpinned generator would take more of
  // it the more it sends. MariaDB and Redis float.
  const cores = os.availableParallelism()
  let cpus: string | undefined
  if (!values['no-pin'] && cores >= 2) {
    cpus = String(cores - 1)
    execFileSync('taskset', ['-a', '-cp', `0-${cores - 2}`, String(process.pid)], { stdio: 'ignore' })
  }
  // One Node process sends about as fast as an embedded server with a whole core answers, so the
  // spike would never exceed its capacity; a quarter of a core puts 3x C within the generator's
  // reach. In production mode MariaDB (on the shared cores) bounds capacity first. 0: no limit.
  const placeFor = (mode: Mode): Placement => {
    const option = `${mode}-share` as const
    const share = Number(values[option])
    if (!(share >= 0))
      throw new Error(`--${option} wants a share of a core (e.g. 0.25), not ${values[option]}`)
    return { ...(cpus ? { cpus } : {}), ...(share > 0 ? { cpuShare: share } : {}) }
  }
  const placement = { embedded: placeFor('embedded'), production: placeFor('production') }
  const modes: Mode[] =
    values.mode === 'both'
      ? ['embedded', 'production']
      : values.mode === 'production'
        ? ['production']
        : ['embedded']
  const s: Settings = {
    quick: values.quick,
    capacityStart: Number(values['start-rate'] ?? 200),
    stepSec: values.quick ? 4 : 8,
    shape: values.quick ? [8, 4, 12, 2, 10] : [20, 10, 40, 5, 20],
    factor: 3,
    maxFactor: Number(values['max-factor']),
    placement,
  }
  // `--server-env KEY=VALUE` (repeatable): settings for the server a diagnosis or a probe starts.
  const serverEnv = Object.fromEntries(
    values['server-env'].map((pair) => {
      const at = pair.indexOf('=')
      if (at < 1) throw new Error(`--server-env wants KEY=VALUE, not ${pair}`)
      return [pair.slice(0, at), pair.slice(at + 1)]
    }),
  )
  if (values.probe !== undefined) {
    for (const mode of modes) await probe(mode, Number(values.probe), s, values['cpu-prof'], serverEnv)
    return 0
  }
  if (values.diagnose !== undefined) {
    for (const mode of modes)
      await diagnose(
        mode,
        Number(values.diagnose),
        s,
        values['cpu-prof'],
        serverEnv,
        values.warm,
        values.restart,
        values['retry-busy'],
      )
    return 0
  }
  const env = describeEnvironment(args)
  env.command = `npm run bench:overload${args.length ? ` -- ${args.join(' ')}` : ''}`
  const outcomes: ModeOutcome[] = []
  for (const mode of modes) outcomes.push(await proveMode(mode, s))

  const checks = outcomes.flatMap(checksFor)
  for (const c of checks) log(`${c.pass ? 'PASS' : 'MISS'}  ${c.metric}: ${c.measured} (target ${c.target})`)
  for (const o of outcomes) log(`${o.mode}: highest factor reached ${factorReached(o).toFixed(1)}x C`)
  if (values['no-write']) return 0

  const dir = path.join(ROOT, 'docs', 'overload')
  fs.mkdirSync(dir, { recursive: true })
  for (const o of outcomes) {
    fs.writeFileSync(path.join(dir, `${o.mode}-protected.html`), renderReport(o.protected.result))
    fs.writeFileSync(path.join(dir, `${o.mode}-unprotected.html`), renderReport(o.unprotected.result))
    fs.writeFileSync(path.join(dir, `${o.mode}-${s.maxFactor}x.html`), renderReport(o.beyond.result))
    fs.writeFileSync(
      path.join(dir, `${o.mode}-compare.html`),
      renderCompare(o.unprotected.result, o.protected.result, ['admission off', 'admission on']),
    )
  }
  const body = [
    `### Latest run${s.quick ? ' (quick: short stages, not comparable)' : ''}`,
    '',
    '| | |',
    '|---|---|',
    `| Command | \`${env.command}\` |`,
    `| Commit | \`${env.commit}\` |`,
    `| Date | ${env.date} |`,
    `| Machine | ${env.cpuModel}, ${env.cores} cores, ${env.memoryGiB.toFixed(1)} GiB, Node ${env.node}, load average at start ${env.loadAverage} |`,
    ...modes.map((m) => `| Cores, ${m} | ${placementText(s.placement[m])} |`),
    `| Spike | blackfriday's stages squeezed to ${s.shape.join(' / ')} s (before / rush / sale / winding down / after), before and after at C/3 with ${BASE_USERS} users, the sale at 3x C with ${fmt.int(PEAK_USERS)} users and connections; client timeout ${TIMEOUT_MS / 1000} s |`,
    '',
    '| Metric | Measured | Target | Result |',
    '|---|---|---|---|',
    ...checks.map((c) => `| ${c.metric} | ${c.measured} | ${c.target} | ${c.pass ? 'PASS' : '**MISS**'} |`),
    ...outcomes.flatMap((o) => ['', ...describe(o, s)]),
  ].join('\n')
  writeSection(path.join(ROOT, 'docs', 'benchmarks.md'), 'overload', body, 'Overload protection: the proof')
  log('written: docs/benchmarks.md (section overload), docs/overload/*.html')
  return 0
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(2)
  },
)
