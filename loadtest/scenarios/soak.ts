/** A long, ordinary day: a moderate steady rate for 30 minutes, to find leaks and slow drifts. */
import { saleMix } from '../journeys/index.js'
import { defineScenario } from './scenario.js'

export default defineScenario({
  name: 'soak',
  description: 'steady --rate (default 100) TPS from 500 users for 30 minutes',
  stages: ({ rate = 100 }) => [
    { label: 'warm-up', durationSec: 60, rate: { from: rate / 10, to: rate }, users: 500 },
    { label: 'soak', durationSec: 1740, rate, users: 500 },
  ],
  journeys: saleMix(),
  thinkMs: [1000, 5000],
  prepare: { products: 20 },
})
