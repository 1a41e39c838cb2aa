/**
 * The command line, parsed and checked in one place. This module (with cli.ts) is the load tester's
 * only reader of `process.env`: the secret may come from `JWT_SECRET` as for the server.
 */
import { parseArgs } from 'node:util'
import { parseSlo } from './slo.js'

export interface CommonOptions {
  target: string
  scenario: string
  scale: number
  durationSec: number | undefined
  rate: number | undefined
  multiple: number | undefined
  secret: string | undefined
  tokenFile: string | undefined
  adminToken: string | undefined
  adminId: number
  firstUserId: number
  points: number
}

export interface RunOptions extends CommonOptions {
  arrivals: 'uniform' | 'poisson'
  seed: number | undefined
  connections: number | undefined
  timeoutMs: number
  report: string | undefined
  json: string | undefined
  slo: string | undefined
  prepare: boolean
  data: string | undefined
  quiet: boolean
  /** Stamp requests `X-Request-Start`, for a server reached without its load balancer. */
  requestStart: boolean
  /** Refused shoppers resend as the storefront does (Retry-After plus jitter, up to 5 attempts). */
  retryBusy: boolean
}

export interface SeedCommandOptions extends CommonOptions {
  out: string
}

export interface CapacityOptions extends CommonOptions {
  slo: string
  startRate: number
  factor: number
  stepSec: number
  maxRate: number
  peakTps: number | undefined
  peakUsers: number | undefined
  timeoutMs: number
  json: string | undefined
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 }

/** `90`, `90s`, `500ms`, `5m`, `1h` → seconds. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m) throw new UsageError(`--${flag} must look like 90, 90s, 500ms, 5m or 1h; got "${text}"`)
  return Number(m[1]) * UNITS[m[2] ?? 's']!
}

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

function num(value: string | undefined, flag: string, opts: { min?: number; integer?: boolean } = {}) {
  if (value === undefined) return undefined
  const v = Number(value)
  if (!Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || v < (opts.min ?? 0)) {
    throw new UsageError(
      `--${flag} must be a ${opts.integer ? 'whole ' : ''}number ≥ ${opts.min ?? 0}; got "${value}"`,
    )
  }
  return v
}

const COMMON = {
  target: { type: 'string', default: 'http://127.0.0.1:3000' },
  scenario: { type: 'string', default: 'blackfriday' },
  scale: { type: 'string' },
  duration: { type: 'string' },
  rate: { type: 'string' },
  multiple: { type: 'string' },
  secret: { type: 'string' },
  'token-file': { type: 'string' },
  'admin-token': { type: 'string' },
  'admin-id': { type: 'string' },
  'first-user': { type: 'string' },
  points: { type: 'string' },
} as const

type Values = Record<string, string | boolean | undefined>

function common(v: Values, env: NodeJS.ProcessEnv): CommonOptions {
  const target = String(v['target'])
  if (!/^https?:\/\/[^/]+/.test(target))
    throw new UsageError(`--target must be an http(s) URL; got "${target}"`)
  return {
    target,
    scenario: String(v['scenario']),
    scale: num(v['scale'] as string | undefined, 'scale', { min: 0.001 }) ?? 1,
    durationSec: v['duration'] === undefined ? undefined : parseDuration(String(v['duration'])),
    rate: num(v['rate'] as string | undefined, 'rate', { min: 0.001 }),
    multiple: num(v['multiple'] as string | undefined, 'multiple', { min: 0.001 }),
    secret: (v['secret'] as string | undefined) ?? (env['JWT_SECRET'] || undefined),
    tokenFile: v['token-file'] as string | undefined,
    adminToken: v['admin-token'] as string | undefined,
    adminId: num(v['admin-id'] as string | undefined, 'admin-id', { min: 1, integer: true }) ?? 1000,
    firstUserId:
      num(v['first-user'] as string | undefined, 'first-user', { min: 1, integer: true }) ?? 100_001,
    points: num(v['points'] as string | undefined, 'points', { min: 1, integer: true }) ?? 1_000_000,
  }
}

export function parseRunOptions(args: string[], env: NodeJS.ProcessEnv): RunOptions {
  const { values: v } = parseArgs({
    args,
    strict: true,
    options: {
      ...COMMON,
      connections: { type: 'string' },
      arrivals: { type: 'string', default: 'uniform' },
      seed: { type: 'string' },
      timeout: { type: 'string', default: '10s' },
      report: { type: 'string' },
      json: { type: 'string' },
      slo: { type: 'string' },
      prepare: { type: 'boolean', default: false },
      data: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'request-start': { type: 'boolean', default: false },
      'retry-busy': { type: 'boolean', default: false },
    },
  })
  if (v.prepare && v.data) throw new UsageError('give --prepare or --data <seed.json>, not both')
  checkSlo(v.slo)
  if (v.arrivals !== 'uniform' && v.arrivals !== 'poisson') {
    throw new UsageError(`--arrivals must be uniform or poisson; got "${v.arrivals}"`)
  }
  return {
    ...common(v, env),
    arrivals: v.arrivals,
    seed: num(v.seed, 'seed', { integer: true }),
    connections: num(v.connections, 'connections', { min: 1, integer: true }),
    timeoutMs: parseDuration(v.timeout, 'timeout') * 1000,
    report: v.report,
    json: v.json,
    slo: v.slo,
    // Without a seed file the data is prepared through the admin API, as with --prepare.
    prepare: v.data === undefined,
    data: v.data,
    quiet: v.quiet,
    requestStart: v['request-start'],
    retryBusy: v['retry-busy'],
  }
}

/** A bad SLO is a usage error found before any data is prepared. */
function checkSlo(spec: string | undefined) {
  if (spec === undefined) return
  try {
    parseSlo(spec)
  } catch (error) {
    throw new UsageError(`--slo: ${(error as Error).message}`)
  }
}

export function parseSeedOptions(args: string[], env: NodeJS.ProcessEnv): SeedCommandOptions {
  const { values: v } = parseArgs({
    args,
    strict: true,
    options: { ...COMMON, out: { type: 'string', default: 'out/seed.json' } },
  })
  return { ...common(v, env), out: v.out }
}

export function parseCapacityOptions(args: string[], env: NodeJS.ProcessEnv): CapacityOptions {
  const { values: v } = parseArgs({
    args,
    strict: true,
    options: {
      ...COMMON,
      slo: { type: 'string', default: 'p95<300ms,errors<1%' },
      'start-rate': { type: 'string', default: '50' },
      factor: { type: 'string', default: '1.5' },
      step: { type: 'string', default: '15s' },
      'max-rate': { type: 'string', default: '5000' },
      'peak-tps': { type: 'string' },
      'peak-users': { type: 'string' },
      timeout: { type: 'string', default: '10s' },
      json: { type: 'string' },
    },
  })
  checkSlo(v.slo)
  return {
    ...common(v, env),
    slo: v.slo,
    startRate: num(v['start-rate'], 'start-rate', { min: 1 })!,
    factor: num(v.factor, 'factor', { min: 1.01 })!,
    stepSec: parseDuration(v.step, 'step'),
    maxRate: num(v['max-rate'], 'max-rate', { min: 1 })!,
    peakTps: num(v['peak-tps'], 'peak-tps', { min: 1 }),
    peakUsers: num(v['peak-users'], 'peak-users', { min: 1, integer: true }),
    timeoutMs: parseDuration(v.timeout, 'timeout') * 1000,
    json: v.json,
  }
}
