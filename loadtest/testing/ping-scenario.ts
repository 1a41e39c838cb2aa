/** A scenario file for the tests: one GET of `/ping` at 50 req/s for 1 s (a user-written scenario looks like this). */
import { defineScenario } from '../scenarios/index.js'

export default defineScenario({
  name: 'ping',
  description: 'GET /ping at 50 req/s',
  stages: ({ rate = 50 }) => [{ durationSec: 1, rate, users: 10 }],
  journeys: [
    { name: 'ping', weight: 1, steps: [{ name: 'get', request: () => ({ method: 'GET', path: '/ping' }) }] },
  ],
  thinkMs: [0, 0],
})
