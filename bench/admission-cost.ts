/**
 * What a refusal costs the server next to a served request: `npm run bench:admission`.
 * One Floodgate process per row, on the embedded default, each loaded with autocannon for a few seconds:
 *   served     GET /api/v1/products/1 (the cheapest read: the exact product cache), admission on
 *   served, edge off   the same with ADMISSION_EDGE=off: what the edge's look at every request costs
 *   list       GET /api/v1/products?limit=20 (a read from the database), admission on
 *   off        the same with FLOODGATE_ADMISSION=off: what the pipeline adds to a served request
 *   refused    the same with an anonymous rate limit of one request per 1,000 s: every answer is a
 *              429, sent by the edge (admission/edge.ts) before fastify, since the refusal is known
 *   refused in fastify   the same with ADMISSION_EDGE=off: the 429 from fastify's onRequest hook,
 *              before routing work, auth, body or database (the path a refusal took before the edge)
 * Server CPU per answer comes from /proc (bench/lib/cpu.ts). The refusal is the rate limiter's; a
 * 503 OVERLOADED takes the same path (an onRequest hook answering a prebuilt problem) with a counter
 * compare instead of a Map lookup.
 */
import { count, runLoad } from './lib/load.js'
import { makeTempDir, randomSecret, type ServerProcess, startFloodgate } from './lib/server.js'

const quick = process.argv.includes('--quick')
const seconds = quick ? 3 : 8
const PATH = '/api/v1/products/1'

interface Row {
  name: string
  perSec: number
  cpuUsPerAnswer: number
  p99: number
  statuses: Record<string, number>
  errors: number
}

async function measure(name: string, env: Record<string, string>, path = PATH): Promise<Row> {
  const temp = makeTempDir()
  let server: ServerProcess | undefined
  try {
    server = await startFloodgate({ dataDir: temp.dir, seed: 'demo', jwtSecret: randomSecret(), env })
    const url = server.url + path
    await runLoad({ url, connections: 50, durationSec: 2, limitSec: 20 })
    const load = await runLoad({
      url,
      connections: 50,
      durationSec: seconds,
      limitSec: seconds + 20,
      watchPid: server.pid,
    })
    const perSec = load.responses / load.elapsedSec
    const row = {
      name,
      perSec,
      cpuUsPerAnswer: (load.cpu!.serverCpu / perSec) * 1e6,
      p99: load.latencyMs.p99,
      statuses: load.byStatus,
      errors: load.errors,
    }
    process.stdout.write(
      `${name}: ${Math.round(perSec)} answers/s, server CPU ${row.cpuUsPerAnswer.toFixed(1)} µs per answer, ` +
        `p99 ${row.p99} ms, statuses ${JSON.stringify(row.statuses)}, errors ${row.errors}; ` +
        `CPU cores: server ${load.cpu!.serverCpu.toFixed(2)}, autocannon ${load.cpu!.loadCpu.toFixed(2)}, ` +
        `others ${load.cpu!.otherCpu.toFixed(2)}\n`,
    )
    if (count(load, 200) + count(load, 429) !== load.responses)
      process.stdout.write('  (unexpected statuses)\n')
    return row
  } finally {
    await server?.stop()
    temp.remove()
  }
}

const served = await measure('served', { RATE_LIMIT_IP_RATE: '0' })
const servedNoEdge = await measure('served, edge off', { RATE_LIMIT_IP_RATE: '0', ADMISSION_EDGE: 'off' })
const list = await measure('list', { RATE_LIMIT_IP_RATE: '0' }, '/api/v1/products?limit=20')
const off = await measure('off', { FLOODGATE_ADMISSION: 'off' })
const refused = await measure('refused', { RATE_LIMIT_IP_RATE: '0.001', RATE_LIMIT_IP_BURST: '1' })
const inFastify = await measure('refused in fastify', {
  RATE_LIMIT_IP_RATE: '0.001',
  RATE_LIMIT_IP_BURST: '1',
  ADMISSION_EDGE: 'off',
})
process.stdout.write(
  `\nA refusal costs ${((refused.cpuUsPerAnswer / served.cpuUsPerAnswer) * 100).toFixed(0)}% of the cheapest served read ` +
    `(${refused.cpuUsPerAnswer.toFixed(1)} vs ${served.cpuUsPerAnswer.toFixed(1)} µs); the pipeline adds ` +
    `${(served.cpuUsPerAnswer - off.cpuUsPerAnswer).toFixed(1)} µs to a served read (${off.cpuUsPerAnswer.toFixed(1)} µs without it); ` +
    `against a database read it is ${((refused.cpuUsPerAnswer / list.cpuUsPerAnswer) * 100).toFixed(0)}% (${list.cpuUsPerAnswer.toFixed(1)} µs). ` +
    `The same refusal through fastify (ADMISSION_EDGE=off): ${inFastify.cpuUsPerAnswer.toFixed(1)} µs, ` +
    `${((inFastify.cpuUsPerAnswer / served.cpuUsPerAnswer) * 100).toFixed(0)}% of the cheapest served read. ` +
    `The edge's look at a served read: ${served.cpuUsPerAnswer.toFixed(1)} µs with it, ${servedNoEdge.cpuUsPerAnswer.toFixed(1)} µs without.\n`,
)
