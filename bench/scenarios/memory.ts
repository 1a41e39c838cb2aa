/**
 * Server memory after one million reads: a mix of GET product, GET products list and GET top
 * products. RSS is read from /proc/<pid>/status of the serving node process itself.
 */
import type { Benchmark } from '../lib/context.js'
import { count, perSecond, runLoad } from '../lib/load.js'
import { type BenchReport, fmt } from '../lib/report.js'
import { makeTempDir, randomSecret, startFloodgate } from '../lib/server.js'

const TARGET_MB = 300
const CONNECTIONS = 100
const PRODUCTS = 20 // the demo seed's catalogue

/** MiB as read from /proc → MB (10^6 bytes), the unit of the target. */
const toMB = (mib: number) => (mib * 1024 * 1024) / 1e6

export const memory: Benchmark = {
  name: 'memory',
  async run(ctx): Promise<BenchReport> {
    const amount = ctx.quick ? 50_000 : 1_000_000
    const limitSec = ctx.quick ? 120 : 900
    // Each connection cycles through this sequence: one third each of product, list and top.
    const requests = Array.from({ length: PRODUCTS }, (_, i) => [
      { path: `/api/v1/products/${i + 1}` },
      { path: '/api/v1/products?limit=20' },
      { path: '/api/v1/products/top?days=3&limit=5' },
    ]).flat()

    const temp = makeTempDir()
    const server = await startFloodgate({ dataDir: temp.dir, seed: 'demo', jwtSecret: randomSecret() })
    try {
      const before = server.memory()
      ctx.log(
        `  ${fmt.int(amount)} requests (bounded at ${limitSec} s), RSS before ${before.rssMiB.toFixed(1)} MiB`,
      )
      const load = await runLoad({
        url: server.url,
        connections: CONNECTIONS,
        amount,
        limitSec,
        requests,
        watchPid: server.pid,
      })
      const after = server.memory()
      const ok = count(load, 200)
      const rssAfterMB = toMB(after.rssMiB)
      return {
        name: 'memory',
        title: `Server memory after ${fmt.int(amount)} requests`,
        setup: [
          `SEED=demo (${PRODUCTS} products). autocannon, ${CONNECTIONS} connections, \`amount: ${amount}\`, ` +
            'each connection cycling GET /api/v1/products/{1..20}, GET /api/v1/products?limit=20 and ' +
            'GET /api/v1/products/top?days=3&limit=5 in turn (one third each).',
          'RSS is VmRSS (peak: VmHWM) from /proc/<pid>/status of the server process (started as ' +
            '`node --import tsx src/main.ts`, so the pid is the server, not a wrapper). MB = 10^6 bytes.',
        ],
        facts: [
          [
            'Responses',
            `${fmt.int(load.responses)} (200: ${fmt.int(ok)}, other: ${fmt.int(load.responses - ok)})`,
          ],
          [
            'Time, throughput',
            `${load.elapsedSec.toFixed(1)} s, ${fmt.int(perSecond(load.responses, load))} req/s` +
              (load.hitLimit ? ` — stopped by the ${limitSec} s bound before the amount was reached` : ''),
          ],
          ['Latency', `p50 ${fmt.ms(load.latencyMs.p50)}, p99 ${fmt.ms(load.latencyMs.p99)}`],
          [
            'CPU during the load (cores)',
            `server ${fmt.cores(load.cpu!.serverCpu)}, autocannon ${fmt.cores(load.cpu!.loadCpu)}, other processes ${fmt.cores(load.cpu!.otherCpu)}`,
          ],
          ['RSS before (ready, no traffic yet)', fmt.mb(toMB(before.rssMiB))],
          ['RSS after', fmt.mb(rssAfterMB)],
          ['Peak RSS (VmHWM)', fmt.mb(toMB(after.peakRssMiB))],
        ],
        checks: [
          {
            metric: `RSS after ${fmt.int(load.responses)} requests`,
            measured: `${fmt.mb(rssAfterMB)} (before: ${fmt.mb(toMB(before.rssMiB))})`,
            target: `< ${TARGET_MB} MB`,
            pass: rssAfterMB < TARGET_MB && !load.hitLimit,
            kind: 'performance',
          },
        ],
        notes: [],
      }
    } finally {
      await server.stop()
      temp.remove()
    }
  },
}
