/** Everyone buys the one hot product: 500 units, far more buyers. 409 once it is gone is correct. */
import { browse, buyHotProduct } from '../journeys/index.js'
import { defineScenario } from './scenario.js'

export default defineScenario({
  name: 'soldout',
  description: 'everyone buys one hot product (500 units)',
  stages: ({ rate = 300 }) => [
    {
      label: 'doors open',
      durationSec: 10,
      rate: { from: rate / 10, to: rate },
      users: { from: 100, to: 1000 },
    },
    { label: 'rush', durationSec: 40, rate, users: 1000 },
  ],
  journeys: [buyHotProduct(9), browse(1)],
  thinkMs: [100, 1000],
  prepare: { products: 5, hotStock: 500 },
})
