/**
 * GET /api/v1/products/{id} on Floodgate against a bare node:http server answering the same path
 * with the same bytes, same autocannon settings, one after the other in one run.
 */
import path from 'node:path'
import { call } from '../lib/api.js'
import type { BenchContext, Benchmark } from '../lib/context.js'
import type { CpuUsage } from '../lib/cpu.js'
import { findProfile, renderProfile, summariseProfile } from '../lib/cpu-profile.js'
import { count, type LoadResult, perSecond, runLoad } from '../lib/load.js'
import { type BenchReport, fmt } from '../lib/report.js'
import { makeTempDir, randomSecret, type ServerProcess, startBare, startFloodgate } from '../lib/server.js'

const PATH = '/api/v1/products/1'
const TARGET_RATIO = 0.5

interface Settings {
  connections: number
  warmupSec: number
  durationSec: number
}

interface Measured {
  load: LoadResult
  cpu: CpuUsage
  rps: number
}

async function measure(ctx: BenchContext, server: ServerProcess, s: Settings): Promise<Measured> {
  const url = server.url + PATH
  ctx.log(`  ${server.name}: warm-up ${s.warmupSec} s`)
  await runLoad({ url, connections: s.connections, durationSec: s.warmupSec, limitSec: s.warmupSec + 15 })
  ctx.log(`  ${server.name}: measuring ${s.durationSec} s`)
  const load = await runLoad({
    url,
    connections: s.connections,
    durationSec: s.durationSec,
    limitSec: s.durationSec + 15,
    watchPid: server.pid,
  })
  return { load, cpu: load.cpu!, rps: perSecond(count(load, 200), load) }
}

const describe = (m: Measured) =>
  `${fmt.int(m.rps)} req/s; p50 ${fmt.ms(m.load.latencyMs.p50)}, p99 ${fmt.ms(m.load.latencyMs.p99)}; ` +
  `non-200 ${fmt.int(m.load.responses - count(m.load, 200))}, errors ${m.load.errors}; ` +
  `CPU (cores): server ${fmt.cores(m.cpu.serverCpu)}, autocannon ${fmt.cores(m.cpu.loadCpu)}, others ${fmt.cores(m.cpu.otherCpu)}; ` +
  `server CPU per request ${fmt.us(m.cpu.serverCpu / m.rps)}`

export const productRead: Benchmark = {
  name: 'product-read',
  async run(ctx): Promise<BenchReport> {
    const settings: Settings = ctx.quick
      ? { connections: 100, warmupSec: 1, durationSec: 3 }
      : { connections: 100, warmupSec: 2, durationSec: 10 }
    const temp = makeTempDir()
    const servers: ServerProcess[] = []
    try {
      const floodgate = await startFloodgate({ dataDir: temp.dir, seed: 'demo', jwtSecret: randomSecret() })
      servers.push(floodgate)
      const sample = await call(floodgate.url, 'GET', PATH)
      if (sample.status !== 200) throw new Error(`GET ${PATH} answered ${sample.status}: ${sample.text}`)
      const bare = await startBare({ path: PATH, body: sample.text, contentType: sample.contentType })
      servers.push(bare)
      const bareSample = await call(bare.url, 'GET', PATH)
      if (bareSample.text !== sample.text || bareSample.contentType !== sample.contentType) {
        throw new Error('the bare server does not answer with the same body and content-type')
      }

      const fg = await measure(ctx, floodgate, settings)
      const base = await measure(ctx, bare, settings)
      for (const server of servers.splice(0)) await server.stop()
      const ratio = base.rps > 0 ? fg.rps / base.rps : 0
      const pass = ratio >= TARGET_RATIO

      const notes: string[] = []
      if (base.cpu.loadCpu + base.cpu.serverCpu + base.cpu.otherCpu > 1.7) {
        notes.push(
          `During the bare-server run the machine's 2 cores were nearly saturated (server ` +
            `${fmt.cores(base.cpu.serverCpu)}, autocannon ${fmt.cores(base.cpu.loadCpu)}, others ` +
            `${fmt.cores(base.cpu.otherCpu)} cores): the load generator competes with the server, so the bare ` +
            'figure is a lower bound and the ratio is, if anything, flattering to Floodgate.',
        )
      }
      if (!pass || ctx.cpuProf) {
        ctx.log('  profiling a separate Floodgate run (--cpu-prof)')
        notes.push(await profiledRun(ctx, settings))
      }
      return {
        name: 'product-read',
        title: `GET ${PATH}: Floodgate vs bare node:http`,
        setup: [
          `autocannon in the bench process, ${settings.connections} connections, pipelining 1, ` +
            `${settings.warmupSec} s warm-up then ${settings.durationSec} s measured, per server, one after the other.`,
          'Floodgate: `node --import tsx src/main.ts`, SEED=demo, LOG_LEVEL=warn, fresh SQLite file.',
          'Bare: `node --import tsx bench/bare-server.ts`, answering the same path with the same ' +
            `${Buffer.byteLength(sample.text)}-byte body and \`${sample.contentType}\`.`,
          'req/s counts 200 responses over the time from start to last response. CPU is in cores ' +
            '(1.00 = one core busy), from /proc during the measured window.',
        ],
        facts: [
          ['Floodgate', describe(fg)],
          ['bare node:http', describe(base)],
        ],
        checks: [
          {
            metric: 'Floodgate req/s ÷ bare req/s',
            measured: `${fmt.int(fg.rps)} / ${fmt.int(base.rps)} = ${fmt.pct(ratio)}`,
            target: `≥ ${fmt.pct(TARGET_RATIO)}`,
            pass,
            kind: 'performance',
          },
        ],
        notes,
      }
    } finally {
      for (const server of servers) await server.stop()
      temp.remove()
    }
  },
}

/** The Floodgate half again, on a server started with --cpu-prof (written when it exits). */
async function profiledRun(ctx: BenchContext, settings: Settings): Promise<string> {
  const temp = makeTempDir()
  const profDir = path.join(temp.dir, 'prof')
  let server: ServerProcess | undefined
  try {
    server = await startFloodgate({
      dataDir: temp.dir,
      seed: 'demo',
      jwtSecret: randomSecret(),
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
    })
    const run = await measure(ctx, server, settings)
    await server.stop()
    const file = findProfile(profDir)
    if (!file) return '_CPU profile: the server exited without writing a profile._'
    return renderProfile(
      summariseProfile(file, run.cpu.window),
      `**Where the time goes**: Floodgate under \`--cpu-prof\` in a separate run of the same load ` +
        `(${fmt.int(run.rps)} req/s with the profiler on; CPU: server ${fmt.cores(run.cpu.serverCpu)}, ` +
        `autocannon ${fmt.cores(run.cpu.loadCpu)}, others ${fmt.cores(run.cpu.otherCpu)}), samples of the measured ` +
        `${settings.durationSec} s window only.`,
    )
  } finally {
    await server?.stop()
    temp.remove()
  }
}
