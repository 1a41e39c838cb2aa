/**
 * The incident's shape: a steady 50 TPS from 200 users, then at T0 a jump to 450 TPS and 2,800
 * concurrent users within a minute, held, then back. `--scale` multiplies rates and users,
 * `--duration` squeezes the whole profile (the shape is kept).
 */
import { saleMix } from '../journeys/index.js'
import { defineScenario } from './scenario.js'

export default defineScenario({
  name: 'blackfriday',
  description: '50 TPS / 200 users, T0: 450 TPS / 2,800 users within a minute, held, then back',
  stages: () => [
    { label: 'before the sale', durationSec: 60, rate: 50, users: 200 },
    { label: 'T0: the rush', durationSec: 60, rate: { from: 50, to: 450 }, users: { from: 200, to: 2800 } },
    { label: 'the sale', durationSec: 180, rate: 450, users: 2800 },
    { label: 'winding down', durationSec: 30, rate: { from: 450, to: 50 }, users: { from: 2800, to: 200 } },
    { label: 'after', durationSec: 30, rate: 50, users: 200 },
  ],
  journeys: saleMix(),
  thinkMs: [500, 3000],
  prepare: { products: 20 },
})
