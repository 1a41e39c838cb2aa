/**
 * The load generator's own ceiling: `npm run bench:loadgen [-- --rate 15000 --duration 10 --connections 128]`.
 *
 * Drives a bare node:http server (bench/bare-server.ts, a separate process) with the load tester's
 * engine at a fixed offered rate and reports what was really offered and sent, and the generator's
 * send lateness. Target: ≥ 15,000 req/s offered from one process with send lateness p99 ≤ 5 ms.
 * The two cores are shared with the target server (and whatever else runs), so this is a floor.
 */
import { parseArgs } from 'node:util'
import { get, type Journey, runLoadTest } from '../loadtest/index.js'
import { describeEnvironment } from './lib/environment.js'
import { startBare } from './lib/server.js'

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string', default: '15000' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '128' },
    },
  })
  const rate = Number(values.rate)
  const durationSec = Number(values.duration)
  const connections = Number(values.connections)
  const env = describeEnvironment(args)
  const server = await startBare({ path: '/ping', body: '{"ok":true}', contentType: 'application/json' })
  try {
    const ping: Journey = {
      name: 'ping',
      weight: 1,
      steps: [
        { name: 'get', request: () => ({ ...get('/api/v1/products'), path: '/ping', anonymous: true }) },
      ],
    }
    const cpuBefore = process.cpuUsage()
    const wallBefore = performance.now()
    const result = await runLoadTest({
      target: server.url,
      scenarioName: 'loadgen-ceiling',
      // A 2 s ramp lets sockets open before the measured plateau.
      stages: [
        { durationSec: 2, rate: { from: rate / 10, to: rate }, users: connections },
        { durationSec, rate, users: connections },
      ],
      journeys: [ping],
      thinkMs: [0, 0],
      connections,
      timeoutMs: 5000,
      data: { productIds: [], firstUserId: 1, users: connections },
      users: Array.from({ length: connections }, (_, i) => ({ id: i + 1, authorization: '' })),
    })
    const cpu = process.cpuUsage(cpuBefore)
    // Cores the generator process used on average (1.00 = one core busy the whole run).
    const generatorCores = (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore)
    const plateau = result.timeline.slice(3, 2 + durationSec)
    const avg = (key: 'offered' | 'sent' | 'completed') =>
      plateau.reduce((sum, s) => sum + s[key], 0) / Math.max(1, plateau.length)
    const lines = [
      `| Command | \`npm run bench:loadgen -- --rate ${rate} --duration ${durationSec} --connections ${connections}\` |`,
      `| Commit | \`${env.commit}\` |`,
      `| Date | ${env.date} |`,
      `| Machine | ${env.cpuModel}, ${env.cores} cores (nproc), Node ${env.node}, load average at start ${env.loadAverage} |`,
      `| Offered (plateau, per second) | ${avg('offered').toFixed(0)} req/s (whole run ${result.totals.offered} requests) |`,
      `| Sent / completed (plateau, per second) | ${avg('sent').toFixed(0)} / ${avg('completed').toFixed(0)} req/s |`,
      `| Send lateness | p50 ${result.sendLateness.p50} ms, p99 ${result.sendLateness.p99} ms, max ${result.sendLateness.max} ms |`,
      `| Latency from intended start | p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms |`,
      `| Wait for a connection | p99 ${result.queueWait.p99} ms |`,
      `| Errors / no answer | ${result.totals.errors} / ${result.totals.failures} |`,
      `| Generator CPU | ${generatorCores.toFixed(2)} cores (whole run) |`,
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
    const pass = avg('offered') >= 15_000 && result.sendLateness.p99 <= 5
    process.stdout.write(
      `ceiling target (≥ 15,000 req/s offered, lateness p99 ≤ 5 ms): ${pass ? 'PASS' : 'MISS'}\n`,
    )
    return 0
  } finally {
    await server.stop()
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`)
    process.exitCode = 1
  },
)
