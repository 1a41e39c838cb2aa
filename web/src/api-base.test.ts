import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isLegacyBase, toApiUrl } from './api-base.js'

const page = 'https://shop.example/'
const at = (base: string) => new URL(base, page)

test('the default base is the contract itself, on the page origin', () => {
  const url = toApiUrl('https://shop.example/api/v1/products?limit=5', at('/api/v1'))
  assert.equal(url.href, 'https://shop.example/api/v1/products?limit=5')
  assert.equal(isLegacyBase(at('/api/v1')), false)
})

test('a storefront deployed on its own calls the API host, path prefix included', () => {
  const base = at('https://api.example.com/shop/api/v1/')
  assert.equal(
    toApiUrl('https://shop.example/api/v1/orders/users/1', base).href,
    'https://api.example.com/shop/api/v1/orders/users/1',
  )
  assert.equal(
    toApiUrl('https://shop.example/api/products/popular?days=3', base).href,
    'https://api.example.com/api/products/popular?days=3',
  )
})

test('an /api base is an old build: unversioned paths', () => {
  assert.equal(isLegacyBase(at('/api')), true)
  assert.equal(
    toApiUrl('https://shop.example/api/v1/points/users/2', at('/api')).href,
    'https://shop.example/api/points/users/2',
  )
})
