import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ProductCache } from './product-cache.js'

const product = (stock: number) => ({ id: 1, name: 'p', price: 1, stock })

test('serves a loaded product from memory until it changes', async () => {
  const cache = new ProductCache()
  let loads = 0
  const load = async () => product(10 - loads++)
  assert.equal((await cache.get(1, load)).stock, 10)
  assert.equal((await cache.get(1, load)).stock, 10)
  assert.equal(loads, 1)
  cache.changed([1])
  assert.equal((await cache.get(1, load)).stock, 9)
  assert.equal(loads, 2)
})

test('a load that started before a change is served once but never stored', async () => {
  const cache = new ProductCache()
  let finish!: (p: ReturnType<typeof product>) => void
  const slow = cache.get(1, () => new Promise((resolve) => (finish = resolve)))
  cache.changed([1]) // a write commits while the old row is being read
  finish(product(10))
  assert.equal((await slow).stock, 10)
  assert.equal((await cache.get(1, async () => product(7))).stock, 7, 'the stale row was not kept')
})
