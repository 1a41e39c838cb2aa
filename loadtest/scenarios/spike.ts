/** A step: `--rate` (default 100) for a while, then `--multiple` (default 5) times that, then back. */
import { saleMix } from '../journeys/index.js'
import { defineScenario } from './scenario.js'

export default defineScenario({
  name: 'spike',
  description: 'a step from --rate to --multiple × rate, held, then back',
  stages: ({ rate = 100, multiple = 5 }) => {
    const users = Math.ceil(rate * 2)
    return [
      { label: 'base', durationSec: 20, rate, users },
      { label: 'spike', durationSec: 30, rate: rate * multiple, users: users * multiple },
      { label: 'recovery', durationSec: 20, rate, users },
    ]
  },
  journeys: saleMix(),
  thinkMs: [200, 1000],
  prepare: { products: 20 },
})
