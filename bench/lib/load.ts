/**
 * Runs autocannon in this process against 127.0.0.1, always bounded in time.
 *
 * Two ways to end a timed run:
 * - `drain: false` (autocannon's own): at the deadline every connection is destroyed, so requests in
 *   flight are abandoned. Fine for reads.
 * - `drain: true`: at the deadline each connection stops sending but waits for the answer it is
 *   owed, so every request the server executed is also counted here. Writes need this to match
 *   response counts against database counts exactly.
 */
import autocannon from 'autocannon'
import { type CpuSample, type CpuUsage, nowUs, sampleCpu, usageBetween } from './cpu.js'

export interface LoadOptions {
  url: string
  connections: number
  /** Timed run: seconds of load. */
  durationSec?: number
  /** Counted run: total requests (spread evenly over the connections). */
  amount?: number
  /** Hard bound for the whole run, drain included; the run is stopped (not drained) when reached. */
  limitSec: number
  drain?: boolean
  method?: string
  headers?: Record<string, string>
  body?: string
  requests?: autocannon.Request[]
  setupClient?: (client: autocannon.Client, index: number) => void
  /** Measure CPU use of this process (the server), of autocannon and of the rest of the machine. */
  watchPid?: number
  /** Paces the run to this many requests per second in all (autocannon's overallRate). */
  overallRate?: number
  /** Sees every response: its status and latency (for per-status percentiles). */
  onResponse?: (status: number, latencyMs: number) => void
}

export interface LoadResult {
  /** From the start of the run to the last response received. */
  elapsedSec: number
  responses: number
  byStatus: Record<string, number>
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number }
  errors: number
  timeouts: number
  /** True when the hard bound, not the duration or the amount, ended the run. */
  hitLimit: boolean
  /** With `watchPid`: from the start to the last response (up to 100 ms after it). */
  cpu?: CpuUsage
}

const CPU_SAMPLE_MS = 100

const REQUEST_TIMEOUT_SEC = 10

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+(\/|$)/.test(opts.url)) {
    throw new Error(`load runs target 127.0.0.1 only, got ${opts.url}`)
  }
  if ((opts.durationSec === undefined) === (opts.amount === undefined)) {
    throw new Error('give exactly one of durationSec and amount')
  }
  const clients: autocannon.Client[] = []
  let responses = 0
  let lastResponseAt = 0
  const started = nowUs()
  const cpuSamples: CpuSample[] = []
  const watchPid = opts.watchPid
  if (watchPid !== undefined) cpuSamples.push(sampleCpu(watchPid))
  const timedDuration = opts.durationSec ?? opts.limitSec
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    // A draining run keeps autocannon's own clock out of the way; the drain timer below ends it.
    duration: opts.drain ? opts.limitSec + 1 : timedDuration,
    ...(opts.amount !== undefined ? { amount: opts.amount } : {}),
    timeout: REQUEST_TIMEOUT_SEC,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    method: opts.method ?? 'GET',
    headers: opts.headers ?? {},
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    ...(opts.requests ? { requests: opts.requests } : {}),
    setupClient: (client) => {
      opts.setupClient?.(client, clients.length)
      clients.push(client)
    },
  })
  instance.on('response', (_client: unknown, status: number, _bytes: number, latencyMs: number) => {
    opts.onResponse?.(status, latencyMs)
    responses++
    lastResponseAt = nowUs()
  })

  const timers: NodeJS.Timeout[] = []
  // autocannon reports only on its next 1 s tick after the last connection is done; sampling lets
  // the CPU window end at the last response instead of including that idle tail.
  const sampler =
    watchPid === undefined
      ? undefined
      : setInterval(() => cpuSamples.push(sampleCpu(watchPid)), CPU_SAMPLE_MS)
  let hitLimit = false
  if (opts.drain && opts.durationSec !== undefined) {
    timers.push(
      setTimeout(() => {
        for (const client of clients) {
          if (client.destroyed) continue
          // pipelining is 1: the client ends after the answer to the request it already sent.
          client.responseMax = Math.max(1, client.reqsMade)
        }
      }, opts.durationSec * 1000),
    )
  }
  if (opts.drain || opts.amount !== undefined) {
    timers.push(
      setTimeout(() => {
        hitLimit = true
        instance.stop()
      }, opts.limitSec * 1000),
    )
  }
  try {
    const result = await instance
    let cpu: CpuUsage | undefined
    if (watchPid !== undefined) {
      // The first sample after the last response (at most 100 ms of idle tail).
      const end = cpuSamples.find((c) => c.atUs >= lastResponseAt && c !== cpuSamples[0])
      cpu = usageBetween(cpuSamples[0]!, end ?? sampleCpu(watchPid))
    }
    const byStatus: Record<string, number> = {}
    for (const [status, { count }] of Object.entries(result.statusCodeStats)) byStatus[status] = count
    return {
      elapsedSec: ((lastResponseAt || nowUs()) - started) / 1e6,
      responses,
      byStatus,
      latencyMs: {
        mean: result.latency.mean,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      errors: result.errors,
      timeouts: result.timeouts,
      hitLimit,
      ...(cpu ? { cpu } : {}),
    }
  } finally {
    for (const timer of timers) clearTimeout(timer)
    clearInterval(sampler)
  }
}

export const count = (result: LoadResult, status: number): number => result.byStatus[String(status)] ?? 0

export const perSecond = (n: number, result: LoadResult): number =>
  result.elapsedSec > 0 ? n / result.elapsedSec : 0
