import { Type } from 'typebox'
import { Id, problems, Timestamp } from '../http/schemas.js'
import type { App } from '../http/types.js'
import type { Clock } from '../platform/clock/index.js'
import type { Db } from '../platform/db/index.js'
import { demoSignIn } from './demo-sign-in.js'

/**
 * Routes of the auth module. The demo sign-in route is always declared (the contract does not
 * change with the environment) and refuses with `DEMO_SIGN_IN_DISABLED` where it is not offered.
 */
export function authRoutes(app: App, deps: { db: Db; clock: Clock; demoSecret: string | undefined }): void {
  app.post('/api/v1/demo/sign-in', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary:
        'Demo sign-in as a seeded user (embedded default only; refused with DEMO_SIGN_IN_DISABLED elsewhere)',
      body: Type.Object({ userId: Id }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          token: Type.String(),
          expiresAt: Timestamp,
          userId: Id,
          name: Type.String(),
          role: Type.Union([Type.Literal('customer'), Type.Literal('admin')]),
        }),
        ...problems(400, 403, 404),
      },
    },
    handler: (req) =>
      demoSignIn({ db: deps.db, secret: deps.demoSecret, now: deps.clock.now() }, req.body.userId),
  })
}
