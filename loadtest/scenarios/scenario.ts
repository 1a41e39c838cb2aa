/**
 * A scenario file is a plain module whose default export is `defineScenario({...})`: copy one from
 * this folder, edit the stages or the journey mix, and pass its path to `--scenario`.
 */
import type { Journey } from '../journeys/index.js'
import type { Stage } from '../scheduler/index.js'

/** Knobs the command line passes to a scenario's `stages` (`--rate`, `--multiple`). */
export interface ScenarioParams {
  rate?: number
  multiple?: number
}

/** What `--prepare` / `seed` creates for the scenario (see prepare/seed.ts). */
export interface PrepareSpec {
  /** Products with ample stock for ordinary journeys. */
  products?: number
  /** Units of the one hot product (soldout). */
  hotStock?: number
  /** Coupons in the first-come rush (coupon-rush). */
  rushCoupons?: number
}

export interface Scenario {
  name: string
  description: string
  /** The load profile before `--scale` and `--duration` are applied. */
  stages(params: ScenarioParams): Stage[]
  journeys: Journey[]
  /** Think time between one user's requests, uniform in [min, max] ms. */
  thinkMs: [number, number]
  prepare?: PrepareSpec
}

export const defineScenario = (scenario: Scenario): Scenario => scenario
