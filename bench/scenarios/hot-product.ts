/**
 * Sale-day hot product: 200 buyers (one connection and one token each) order ONE product with
 * points as fast as they can. Measures paid orders/s and latency, then proves no oversell by
 * matching the stock taken, the 201 answers and the PAID orders in the SQLite file. A second run
 * with 100 units for 200 buyers proves that exactly 100 sell.
 */
import path from 'node:path'
import type { BenchContext, Benchmark } from '../lib/context.js'
import type { CpuUsage } from '../lib/cpu.js'
import { findProfile, renderProfile, summariseProfile } from '../lib/cpu-profile.js'
import { count, type LoadResult, perSecond } from '../lib/load.js'
import { type BenchReport, type Check, fmt } from '../lib/report.js'
import { makeTempDir } from '../lib/server.js'
import {
  BUYERS,
  buy,
  createProduct,
  openShop,
  POINT_LIMITS,
  POINTS_PER_BUYER,
  PRICE,
  type Shop,
  type Snapshot,
  snapshot,
} from './shop.js'

const HUGE_STOCK = 1_000_000_000
const LIMITED_STOCK = 100
const TARGET_PAID_PER_SEC = 3_000
const TARGET_P99_MS = 100

const statuses = (r: LoadResult) =>
  Object.entries(r.byStatus)
    .map(([s, n]) => `${s}: ${fmt.int(n)}`)
    .join(', ') + (r.errors ? `; connection errors ${r.errors} (timeouts ${r.timeouts})` : '')

interface HotRun {
  load: LoadResult
  paid: number
  before: Snapshot
  after: Snapshot
  cpu: CpuUsage
}

async function hotRun(
  ctx: BenchContext,
  shop: Shop,
  warmupSec: number,
  durationSec: number,
): Promise<HotRun> {
  const productId = await createProduct(shop, 'Hot product', HUGE_STOCK)
  ctx.log(`  warm-up ${warmupSec} s`)
  await buy(shop, productId, warmupSec)
  const before = snapshot(shop, productId)
  ctx.log(`  measuring ${durationSec} s`)
  const load = await buy(shop, productId, durationSec, true)
  const after = snapshot(shop, productId)
  return { load, paid: count(load, 201), before, after, cpu: load.cpu! }
}

export const hotProduct: Benchmark = {
  name: 'hot-product',
  async run(ctx): Promise<BenchReport> {
    const s = ctx.quick
      ? { warmupSec: 1, durationSec: 3, limitedSec: 2 }
      : { warmupSec: 2, durationSec: 10, limitedSec: 5 }
    const temp = makeTempDir()
    let shop: Shop | undefined
    try {
      shop = await openShop(temp.dir)
      const main = await hotRun(ctx, shop, s.warmupSec, s.durationSec)

      ctx.log(`  limited stock: ${LIMITED_STOCK} units, ${BUYERS} buyers, ${s.limitedSec} s`)
      const limitedId = await createProduct(shop, 'Limited product', LIMITED_STOCK)
      const limited = await buy(shop, limitedId, s.limitedSec)
      const limitedAfter = snapshot(shop, limitedId)
      await shop.server.stop()

      const paidPerSec = perSecond(main.paid, main.load)
      const taken = main.before.stock - main.after.stock
      const paidDelta = main.after.paidOrders - main.before.paidOrders
      const unitsDelta = main.after.paidUnits - main.before.paidUnits
      const noOversell =
        taken === main.paid &&
        paidDelta === main.paid &&
        unitsDelta === main.paid &&
        main.after.otherOrders === 0 &&
        !main.load.hitLimit
      const limited201 = count(limited, 201)
      const exactlySold =
        limited201 === LIMITED_STOCK &&
        limitedAfter.stock === 0 &&
        limitedAfter.paidOrders === LIMITED_STOCK &&
        limitedAfter.otherOrders === 0 &&
        !limited.hitLimit

      const checks: Check[] = [
        {
          metric: 'paid orders/s',
          measured: fmt.int(paidPerSec),
          target: `≥ ${fmt.int(TARGET_PAID_PER_SEC)}`,
          pass: paidPerSec >= TARGET_PAID_PER_SEC,
          kind: 'performance',
        },
        {
          metric: 'p99 latency',
          measured: fmt.ms(main.load.latencyMs.p99),
          target: `< ${TARGET_P99_MS} ms`,
          pass: main.load.latencyMs.p99 < TARGET_P99_MS,
          kind: 'performance',
        },
        {
          metric: 'oversell (stock taken = 201s = PAID orders)',
          measured: `${fmt.int(taken)} = ${fmt.int(main.paid)} = ${fmt.int(paidDelta)}`,
          target: 'all equal',
          pass: noOversell,
          kind: 'correctness',
        },
        {
          metric: `limited stock: sold of ${LIMITED_STOCK}`,
          measured: `${limited201} × 201, stock left ${limitedAfter.stock}, ${limitedAfter.paidOrders} PAID`,
          target: `exactly ${LIMITED_STOCK}`,
          pass: exactlySold,
          kind: 'correctness',
        },
      ]

      const notes: string[] = []
      const missed = checks.some((c) => c.kind === 'performance' && !c.pass)
      if (missed || ctx.cpuProf) {
        ctx.log(`  profiling a separate run (--cpu-prof)`)
        notes.push(await profiledRun(ctx, s.warmupSec, s.durationSec))
      }

      return {
        name: 'hot-product',
        title: `Hot product: ${BUYERS} concurrent buyers of one product, paying with points`,
        setup: [
          `SEED=none; one product (price ${fmt.int(PRICE)}, stock ${fmt.int(HUGE_STOCK)}) created with ` +
            `POST /api/v1/admin/products; users 1–${BUYERS} each charged ${fmt.int(POINTS_PER_BUYER)} points ` +
            `(POINTS_MAX_CHARGE=${POINT_LIMITS.POINTS_MAX_CHARGE}, POINTS_MAX_BALANCE=${POINT_LIMITS.POINTS_MAX_BALANCE}).`,
          `autocannon: ${BUYERS} connections, each a different user with its own token, ` +
            'POST /api/v1/orders `{userId, items:[{productId, quantity:1}]}` (payment defaults to POINTS), pipelining 1.',
          `${s.warmupSec} s warm-up (not counted), then ${s.durationSec} s measured. At the end each connection ` +
            'waits for its last answer (drain), so every order the server took is also counted as a response.',
          'Stock and PAID orders are read from the SQLite file (better-sqlite3, read-only) before and after the ' +
            'measured run.',
          `Limited run: a second product with ${LIMITED_STOCK} units, the same ${BUYERS} buyers, ${s.limitedSec} s.`,
        ],
        facts: [
          ['Measured run: responses', statuses(main.load)],
          ['Measured run: time to last response', `${main.load.elapsedSec.toFixed(2)} s`],
          [
            'Measured run: latency',
            `mean ${fmt.ms(main.load.latencyMs.mean)}, p50 ${fmt.ms(main.load.latencyMs.p50)}, ` +
              `p90 ${fmt.ms(main.load.latencyMs.p90)}, p99 ${fmt.ms(main.load.latencyMs.p99)}, max ${fmt.ms(main.load.latencyMs.max)}`,
          ],
          [
            'Measured run: stock before → after',
            `${fmt.int(main.before.stock)} → ${fmt.int(main.after.stock)} (taken ${fmt.int(taken)})`,
          ],
          [
            'Measured run: PAID orders before → after',
            `${fmt.int(main.before.paidOrders)} → ${fmt.int(main.after.paidOrders)} (+${fmt.int(paidDelta)}, ` +
              `${fmt.int(unitsDelta)} units); orders in other states: ${main.after.otherOrders}`,
          ],
          [
            'Measured run: CPU (cores)',
            `server ${fmt.cores(main.cpu.serverCpu)}, autocannon ${fmt.cores(main.cpu.loadCpu)}, ` +
              `other processes on the machine ${fmt.cores(main.cpu.otherCpu)}; ` +
              `server CPU per paid order ${fmt.us(main.cpu.serverCpu / paidPerSec)}`,
          ],
          ['Limited run: responses', statuses(limited)],
        ],
        checks,
        notes,
      }
    } finally {
      await shop?.server.stop()
      temp.remove()
    }
  },
}

/** The same hot run on a server started with --cpu-prof; the profile is written when it exits. */
async function profiledRun(ctx: BenchContext, warmupSec: number, durationSec: number): Promise<string> {
  const temp = makeTempDir()
  const profDir = path.join(temp.dir, 'prof')
  let shop: Shop | undefined
  try {
    shop = await openShop(temp.dir, ['--cpu-prof', `--cpu-prof-dir=${profDir}`])
    const run = await hotRun(ctx, shop, warmupSec, durationSec)
    await shop.server.stop()
    const file = findProfile(profDir)
    if (!file) return '_CPU profile: the server exited without writing a profile._'
    return renderProfile(
      summariseProfile(file, run.cpu.window),
      `**Where the time goes**: the server under \`--cpu-prof\` in a separate run of the same load ` +
        `(${fmt.int(perSecond(run.paid, run.load))} paid orders/s, p99 ${fmt.ms(run.load.latencyMs.p99)} ` +
        `with the profiler on; CPU: server ${fmt.cores(run.cpu.serverCpu)}, autocannon ${fmt.cores(run.cpu.loadCpu)}, ` +
        `others ${fmt.cores(run.cpu.otherCpu)}), samples of the measured ${durationSec} s window only.`,
    )
  } finally {
    await shop?.server.stop()
    temp.remove()
  }
}
