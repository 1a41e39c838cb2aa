import { Type } from 'typebox'
import { Id, problems, Timestamp } from '../http/schemas.js'
import type { App } from '../http/types.js'
import { MAX_TOP_LIMIT, type TopProducts } from './top-products.js'

export function rankingRoutes(
  app: App,
  deps: { topProducts: (days: number, limit: number) => Promise<TopProducts> },
): void {
  app.get('/api/v1/products/top', {
    config: { access: 'public', priority: 'sheddable', stale: true },
    schema: {
      tags: ['products'],
      summary: 'Best sellers by quantity over paid orders in the last `days` (cached, bounded staleness)',
      querystring: Type.Object(
        {
          days: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 3 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOP_LIMIT, default: 5 })),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          from: Timestamp,
          to: Timestamp,
          items: Type.Array(
            Type.Object({
              rank: Type.Integer(),
              productId: Id,
              name: Type.String(),
              price: Type.Integer(),
              soldQuantity: Type.Integer(),
            }),
          ),
        }),
        ...problems(400),
      },
    },
    handler: (req) => deps.topProducts(req.query.days ?? 3, req.query.limit ?? 5),
  })
}
