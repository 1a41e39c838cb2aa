/**
 * Child processes under test: the real Floodgate server and the bare node:http baseline. Both are
 * started the same way (`node --import tsx <file>`, with this process's Node binary), so the pid
 * we hold is the serving process itself (its RSS is the server's, not a wrapper's).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { limitCpu } from './cpu-quota.js'

export const ROOT = path.resolve(import.meta.dirname, '../..')
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 20_000

export interface ServerProcess {
  name: string
  pid: number
  url: string
  /** Memory of the serving process, from /proc/<pid>/status, in MiB. */
  memory(): { rssMiB: number; peakRssMiB: number }
  /** SIGTERM, then SIGKILL if it has not exited in time. Resolves once the process is gone. */
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()
// A crashing or interrupted bench must not leave servers behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL')
    process.exit(130)
  })
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/** 48 URL-safe random characters. */
export const randomSecret = (): string => randomBytes(36).toString('base64url')

export function makeTempDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-bench-'))
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

function readStatusKb(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(match[1])
}

/** Where a server runs; on a small machine, apart from the load that measures it. */
export interface Placement {
  /** Cores to pin it to (`taskset -c`, e.g. "1"): runs then share no core with the load. */
  cpus?: string
  /** The share of a core it may use (see `limitCpu`), e.g. 0.25. */
  cpuShare?: number
}

export async function spawnServer(opts: {
  name: string
  script: string
  env: Record<string, string>
  port: number
  readyPath: string
  nodeArgs?: string[]
  placement?: Placement | undefined
}): Promise<ServerProcess> {
  const base: Record<string, string> = {}
  for (const key of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    const value = process.env[key]
    if (value !== undefined) base[key] = value
  }
  const argv = [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script]
  // taskset execs node in its own process, so the pid we hold is still the server's.
  const { cpus, cpuShare } = opts.placement ?? {}
  const [command, args] = cpus
    ? ['taskset', ['-c', cpus, process.execPath, ...argv]]
    : [process.execPath, argv]
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...base, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', () => running.delete(child))
  if (child.pid === undefined) throw new Error(`${opts.name} did not start`)
  const pid = child.pid
  if (cpuShare !== undefined) {
    try {
      const unlimit = limitCpu(pid, cpuShare)
      void exited.then(unlimit)
    } catch (error) {
      child.kill('SIGKILL')
      throw error
    }
  }

  const url = `http://127.0.0.1:${opts.port}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${opts.name} exited before it was ready:\n${output}`)
    }
    const ok = await fetch(url + opts.readyPath, { signal: AbortSignal.timeout(1000) }).then(
      (res) => res.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${opts.name} not ready after ${READY_TIMEOUT_MS / 1000} s:\n${output}`)
    }
    await sleep(100)
  }

  return {
    name: opts.name,
    pid,
    url,
    memory: () => ({
      rssMiB: readStatusKb(pid, 'VmRSS') / 1024,
      peakRssMiB: readStatusKb(pid, 'VmHWM') / 1024,
    }),
    stop,
  }
}

export interface FloodgateOptions {
  dataDir: string
  seed: 'none' | 'demo'
  jwtSecret: string
  /** Extra environment (e.g. raised point limits). */
  env?: Record<string, string>
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[]
  placement?: Placement | undefined
}

export async function startFloodgate(opts: FloodgateOptions): Promise<ServerProcess> {
  const port = await freePort()
  return spawnServer({
    name: 'floodgate',
    script: 'src/main.ts',
    port,
    readyPath: '/health/ready',
    nodeArgs: opts.nodeArgs ?? [],
    placement: opts.placement,
    env: {
      DATABASE_URL: `sqlite:${path.join(opts.dataDir, 'bench.db')}`,
      DATA_DIR: opts.dataDir,
      SEED: opts.seed,
      JWT_SECRET: opts.jwtSecret,
      LOG_LEVEL: 'warn',
      // One client IP and a few users send everything: per-client limits would measure themselves
      // (what a refusal costs is `npm run bench:admission`).
      RATE_LIMIT_USER_RATE: '0',
      RATE_LIMIT_IP_RATE: '0',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...opts.env,
    },
  })
}

/** One HTTP answer as a server chose it: status, its own headers, body. */
export interface FixedAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * The baseline: answers `path` with exactly `body` and `contentType` and, given a `refusal`, every
 * other request with it (see bench/bare-server.ts).
 */
export async function startBare(opts: {
  path: string
  body: string
  contentType: string
  refusal?: FixedAnswer
  placement?: Placement | undefined
}) {
  const port = await freePort()
  return spawnServer({
    name: 'bare node:http',
    script: 'bench/bare-server.ts',
    port,
    readyPath: opts.path,
    placement: opts.placement,
    env: {
      PORT: String(port),
      BARE_PATH: opts.path,
      BARE_BODY: opts.body,
      BARE_CONTENT_TYPE: opts.contentType,
      ...(opts.refusal ? { BARE_REFUSAL: JSON.stringify(opts.refusal) } : {}),
    },
  })
}
