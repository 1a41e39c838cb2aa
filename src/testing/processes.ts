/**
 * Real processes for the fleet and fault tests: Floodgate instances (the entry point, as deployed)
 * and private Redis and NATS servers on random ports that a test may kill and restart.
 * Test infrastructure: it hands the child processes their configuration explicitly.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')

export interface Child {
  process: ChildProcess
  output(): string
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

function launch(command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<Child> {
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const handle: Child = {
    process: child,
    output: () => out,
    stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
      return new Promise((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', (code) => {
          clearTimeout(force)
          resolve(code)
        })
        child.kill(signal)
      })
    },
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${out}`)), 30_000)
    const onData = (d: Buffer) => {
      out += d
      if (ready.test(out)) {
        clearTimeout(timer)
        resolve(handle)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${command} exited with ${code}:\n${out}`))
    })
  })
}

/** A free TCP port on 127.0.0.1 (free when asked; good enough for a test's own servers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

export interface Instance extends Child {
  base: string
}

/** One Floodgate process (`tsx src/main.ts`) with this configuration, on a free port. */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort()
  const child = await launch(
    path.join(root, 'node_modules/.bin/tsx'),
    ['src/main.ts'],
    {
      PORT: String(port),
      LOG_LEVEL: 'warn',
      SEED: 'none',
      // The fleet and fault tests fire thousands of requests at once on a shared 2-core machine and
      // count every answer; admission stays on, but queues long enough to serve them all (and no
      // early refusal of orders: a cold instance's first batch makes checkout's pace look slow).
      ADMISSION_DEADLINE_MS: '60000',
      ADMISSION_QUEUE_TIMEOUT_MS: '30000',
      ADMISSION_CRITICAL_WAIT_MS: '0',
      ADMISSION_QUEUE_TARGET_MS: '30000',
      ADMISSION_QUEUE_SIZE: '100000',
      ADMISSION_EVENT_LOOP_THRESHOLD: '1',
      RATE_LIMIT_USER_BURST: '1000000',
      RATE_LIMIT_IP_BURST: '1000000',
      ...env,
    },
    /Floodgate is serving/,
  )
  return { ...child, base: `http://127.0.0.1:${port}` }
}

export interface PrivateServer extends Child {
  url: string
  /** Starts it again on the same port (and, for NATS, the same JetStream store). */
  restart(): Promise<PrivateServer>
}

/** A private redis-server that keeps nothing on disk. */
export async function startRedis(port?: number): Promise<PrivateServer> {
  const p = port ?? (await freePort())
  const child = await launch(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    /Ready to accept connections/,
  )
  return { ...child, url: `redis://127.0.0.1:${p}`, restart: () => startRedis(p) }
}

/** A private nats-server with JetStream, its store in a temporary folder kept across restarts. */
export async function startNats(port?: number, store?: string): Promise<PrivateServer> {
  const p = port ?? (await freePort())
  const dir = store ?? fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-nats-'))
  const binary = fs.existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server'
  const child = await launch(
    binary,
    ['-a', '127.0.0.1', '-p', String(p), '-js', '-sd', dir],
    {},
    /Server is ready/,
  )
  return { ...child, url: `nats://127.0.0.1:${p}`, restart: () => startNats(p, dir) }
}
