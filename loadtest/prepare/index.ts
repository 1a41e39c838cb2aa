/** Scenario data for a run: prepared now through the admin API, or read from a `seed` file. */
import fs from 'node:fs'
import type { ScenarioData } from '../journeys/index.js'
import { bar, statusWriter } from '../progress.js'
import type { PrepareSpec } from '../scenarios/index.js'
import { adminToken, type TokenSource } from '../users.js'
import { seed } from './seed.js'

export { seed } from './seed.js'

export interface PrepareOptions extends TokenSource {
  target: string
  spec: PrepareSpec
  firstUserId: number
  users: number
  points: number
  adminToken?: string
  adminId: number
  quiet?: boolean
}

export async function prepareData(opts: PrepareOptions): Promise<ScenarioData> {
  const write = statusWriter()
  let lastPrinted = 0
  const data = await seed({
    target: opts.target,
    adminToken: await adminToken(opts),
    spec: opts.spec,
    firstUserId: opts.firstUserId,
    users: opts.users,
    points: opts.points,
    onProgress: (done, total, what) => {
      if (opts.quiet) return
      // A line per 5% off a terminal; every step on one.
      const percent = Math.floor((100 * done) / total)
      if (!process.stderr.isTTY && percent < lastPrinted + 5 && done !== total) return
      lastPrinted = percent
      write(`seed ${bar(done / total)} ${done}/${total} ${what}`, done === total)
    },
  })
  return data
}

/** `--scale` applies to what is scarce too: a tenth of the buyers rush a tenth of the stock. */
export function scaleSpec(spec: PrepareSpec, scale: number): PrepareSpec {
  const scaled = (n: number | undefined) => (n === undefined ? undefined : Math.max(1, Math.round(n * scale)))
  const hotStock = scaled(spec.hotStock)
  const rushCoupons = scaled(spec.rushCoupons)
  return {
    ...spec,
    ...(hotStock !== undefined ? { hotStock } : {}),
    ...(rushCoupons !== undefined ? { rushCoupons } : {}),
  }
}

export function readData(file: string): ScenarioData {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as ScenarioData
  if (!Array.isArray(data.productIds) || typeof data.firstUserId !== 'number') {
    throw new Error(`${file} is not a seed file (run the seed command to make one)`)
  }
  return data
}
