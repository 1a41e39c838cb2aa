/** The shipped scenarios by name; `--scenario` also takes a path to your own scenario module. */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import blackfriday from './blackfriday.js'
import couponRush from './coupon-rush.js'
import type { Scenario } from './scenario.js'
import soak from './soak.js'
import soldout from './soldout.js'
import spike from './spike.js'

export { defineScenario, type PrepareSpec, type Scenario, type ScenarioParams } from './scenario.js'

export const scenarios: Record<string, Scenario> = {
  blackfriday,
  spike,
  soldout,
  'coupon-rush': couponRush,
  soak,
}

export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const shipped = scenarios[nameOrPath]
  if (shipped) return shipped
  if (!/\.[cm]?[jt]s$/.test(nameOrPath)) {
    throw new Error(
      `unknown scenario "${nameOrPath}"; shipped: ${Object.keys(scenarios).join(', ')}, or a file path`,
    )
  }
  const mod = (await import(pathToFileURL(path.resolve(nameOrPath)).href)) as { default?: Scenario }
  if (!mod.default?.stages || !mod.default.journeys) {
    throw new Error(`${nameOrPath} must export default defineScenario({ name, stages, journeys, thinkMs })`)
  }
  return mod.default
}
