import { Type } from 'typebox'
import { principalOf } from '../http/auth-hook.js'
import { Id, PageQuery, problems } from '../http/schemas.js'
import type { App } from '../http/types.js'
import type { Clock } from '../platform/clock/index.js'
import type { Db } from '../platform/db/index.js'
import { acceleratorsFor } from './accelerators.js'
import { adjustStock, createProduct, getProduct, listProducts, updateProduct } from './products.js'

const Product = Type.Object({ id: Id, name: Type.String(), price: Type.Integer(), stock: Type.Integer() })
const ProductParams = Type.Object({ productId: Id }, { additionalProperties: false })
const Name = Type.String({ minLength: 1, maxLength: 200 })
const Price = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })

export interface CatalogDeps {
  db: Db
  readDb: Db
  clock: Clock
}

export function catalogRoutes(app: App, deps: CatalogDeps): void {
  const { readDb } = deps
  const readProduct = (id: number) => acceleratorsFor(deps.db).reads.get(id, () => getProduct(readDb, id))

  app.get('/api/v1/products', {
    config: { access: 'public', priority: 'sheddable', stale: true },
    schema: {
      tags: ['products'],
      summary: 'List products with live stock',
      querystring: PageQuery,
      response: {
        200: Type.Object({
          items: Type.Array(Product),
          nextCursor: Type.Union([Type.String(), Type.Null()]),
        }),
        ...problems(400),
      },
    },
    handler: (req) => listProducts(readDb, { limit: req.query.limit ?? 20, cursor: req.query.cursor }),
  })

  app.get('/api/v1/products/:productId', {
    config: { access: 'public', priority: 'sheddable', stale: true },
    schema: {
      tags: ['products'],
      summary: 'One product with live stock',
      params: ProductParams,
      response: { 200: Product, ...problems(400, 404) },
    },
    handler: (req) => readProduct(req.params.productId),
  })

  app.post('/api/v1/admin/products', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'],
      summary: 'Create a product',
      body: Type.Object(
        { name: Name, price: Price, stock: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }) },
        { additionalProperties: false },
      ),
      response: { 201: Product, ...problems(400, 401, 403) },
    },
    handler: async (req, reply) => {
      principalOf(req)
      reply.code(201)
      return createProduct(deps, req.body)
    },
  })

  app.patch('/api/v1/admin/products/:productId', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'],
      summary: 'Rename or reprice a product',
      params: ProductParams,
      body: Type.Object(
        { name: Type.Optional(Name), price: Type.Optional(Price) },
        { additionalProperties: false },
      ),
      response: { 200: Product, ...problems(400, 401, 403, 404) },
    },
    handler: (req) => updateProduct(deps, req.params.productId, req.body),
  })

  app.post('/api/v1/admin/products/:productId/stock', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'],
      summary: 'Restock (positive delta) or correct (negative delta) the shelf; never below zero',
      params: ProductParams,
      body: Type.Object(
        { delta: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, not: { const: 0 } }) },
        { additionalProperties: false },
      ),
      response: { 200: Product, ...problems(400, 401, 403, 404, 409) },
    },
    handler: (req) => adjustStock(deps, req.params.productId, req.body.delta),
  })
}
