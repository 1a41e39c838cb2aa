import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, test } from 'node:test'
import { clientTypes } from './client-types.js'
import { breakingChanges, generateSpec, specText } from './index.js'

const read = (rel: string) => fs.readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8')
// biome-ignore lint/suspicious/noExplicitAny: the fixtures edit deep, loosely shaped JSON
type Spec = { paths: Record<string, Record<string, any>> }

describe('the committed API contract', () => {
  test('openapi/v1.json and the typed client match the code (run `npm run spec` after changing a route)', async () => {
    const text = specText(await generateSpec())
    assert.ok(
      read('openapi/v1.json') === text,
      'openapi/v1.json is stale: run `npm run spec` and review the diff',
    )
    assert.ok(
      read('client/schema.d.ts') === (await clientTypes(text)),
      'client/schema.d.ts is stale: run `npm run spec`',
    )
  })

  test('the current contract does not break clients of the released v1', () => {
    assert.deepEqual(
      breakingChanges(JSON.parse(read('openapi/released/v1.json')), JSON.parse(read('openapi/v1.json'))),
      [],
    )
  })
})

describe('the breaking-change gate', () => {
  const base = JSON.parse(read('openapi/v1.json')) as Spec
  const order = (s: Spec) => s.paths['/api/v1/orders']!.post
  const orderBody = (s: Spec) => order(s).requestBody.content['application/json'].schema
  const product = (s: Spec) =>
    s.paths['/api/v1/products/{productId}']!.get.responses['200'].content['application/json'].schema

  const breaking: Record<string, (s: Spec) => void> = {
    'a removed operation': (s) => delete s.paths['/api/v1/products/top'],
    'a new required body field': (s) => {
      orderBody(s).properties.channel = { type: 'string' }
      orderBody(s).required.push('channel')
    },
    'a new required query parameter': (s) => {
      s.paths['/api/v1/products']!.get.parameters.push({
        name: 'shop',
        in: 'query',
        required: true,
        schema: { type: 'string' },
      })
    },
    'a narrowed input type': (s) => {
      orderBody(s).properties.items.maxItems = 10
    },
    'a changed field type': (s) => {
      orderBody(s).properties.userId.type = 'string'
    },
    'a removed response field': (s) => {
      delete product(s).properties.stock
      product(s).required = product(s).required.filter((r: string) => r !== 'stock')
    },
  }
  for (const [name, mutate] of Object.entries(breaking)) {
    test(`fails on ${name}`, () => {
      const after = structuredClone(base)
      mutate(after)
      assert.ok(breakingChanges(base, after).length > 0)
    })
  }

  const additive: Record<string, (s: Spec) => void> = {
    'a new operation': (s) => {
      s.paths['/api/v1/wishlist'] = { get: { responses: { '200': { description: 'ok' } } } }
    },
    'a new optional body field': (s) => {
      orderBody(s).properties.note = { type: 'string' }
    },
    'a new response field': (s) => {
      product(s).properties.imageUrl = { type: 'string' }
    },
    'a v2 path beside an unchanged v1': (s) => {
      s.paths['/api/v2/products/top'] = structuredClone(s.paths['/api/v1/products/top']!)
    },
  }
  for (const [name, mutate] of Object.entries(additive)) {
    test(`passes ${name}`, () => {
      const after = structuredClone(base)
      mutate(after)
      assert.deepEqual(breakingChanges(base, after), [])
    })
  }
})
