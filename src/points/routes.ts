import { Type } from 'typebox'
import { assertActsAs } from '../auth/index.js'
import type { Config } from '../config/index.js'
import { principalOf } from '../http/auth-hook.js'
import type { Idempotency } from '../http/idempotency.js'
import { Id, PageQuery, problems, Timestamp, UserIdParams } from '../http/schemas.js'
import type { App } from '../http/types.js'
import type { Clock } from '../platform/clock/index.js'
import type { Db } from '../platform/db/index.js'
import { chargePoints, getBalance, pointsHistory } from './points.js'

const Balance = Type.Object({ userId: Id, balance: Type.Integer() })
const Entry = Type.Object({
  id: Id,
  type: Type.Union([Type.Literal('CHARGE'), Type.Literal('PAYMENT'), Type.Literal('REFUND')]),
  amount: Type.Integer({ description: 'signed: charges and refunds add, payments subtract' }),
  balanceAfter: Type.Integer(),
  orderId: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
})

export function pointsRoutes(
  app: App,
  deps: {
    db: Db
    clock: Clock
    config: Pick<Config, 'points'>
    idempotency: Idempotency
    onCharged?: (amount: number) => void
  },
): void {
  const { db } = deps

  app.get('/api/v1/points/users/:userId', {
    schema: {
      tags: ['points'],
      summary: 'A wallet balance (0 for a user never seen)',
      params: UserIdParams,
      response: { 200: Balance, ...problems(400, 401, 403) },
    },
    handler: (req) => {
      assertActsAs(principalOf(req), req.params.userId)
      return getBalance(db, req.params.userId)
    },
  })

  app.post('/api/v1/points/users/:userId/charge', {
    // The key and its answer are written with the charge (keyWithResult): one transaction, not three.
    config: { priority: 'important', keyWithResult: true },
    schema: {
      tags: ['points'],
      summary: 'Charge points into a wallet',
      params: UserIdParams,
      body: Type.Object(
        { amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 }) },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ userId: Id, balance: Type.Integer(), charged: Type.Integer() }),
        ...problems(400, 401, 403, 409, 422),
      },
    },
    handler: (req, reply) => {
      assertActsAs(principalOf(req), req.params.userId)
      return deps.idempotency.once(req, reply, 200, (receipt) =>
        chargePoints(deps, req.params.userId, req.body.amount, receipt),
      )
    },
  })

  app.get('/api/v1/points/users/:userId/history', {
    schema: {
      tags: ['points'],
      summary: 'Wallet history, newest first',
      params: UserIdParams,
      querystring: PageQuery,
      response: {
        200: Type.Object({ items: Type.Array(Entry), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
        ...problems(400, 401, 403),
      },
    },
    handler: (req) => {
      assertActsAs(principalOf(req), req.params.userId)
      return pointsHistory(db, req.params.userId, { limit: req.query.limit ?? 20, cursor: req.query.cursor })
    },
  })
}
