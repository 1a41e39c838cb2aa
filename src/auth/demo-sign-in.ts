import type { Db } from '../platform/db/index.js'
import { AppError, notFound } from '../platform/errors/index.js'
import type { Role } from './principal.js'
import { mintToken } from './tokens.js'

/** Demo tokens last a working day: long enough to shop, short enough not to linger. */
export const DEMO_TOKEN_TTL_SECONDS = 8 * 3600

export interface DemoSession {
  token: string
  expiresAt: string
  userId: number
  name: string
  role: Role
}

/**
 * Signs in as a seeded user without a password: the storefront's "pick a demo shopper". `secret` is
 * present only on the embedded default with its generated secret (see config `demoSignIn`); a
 * deployment with real identities never mints tokens for others.
 */
export async function demoSignIn(
  deps: { db: Db; secret: string | undefined; now: number },
  userId: number,
): Promise<DemoSession> {
  if (!deps.secret) {
    throw new AppError(
      'DEMO_SIGN_IN_DISABLED',
      'demo sign-in is offered only by the embedded default with its generated secret',
    )
  }
  const user = await deps.db
    .selectFrom('users')
    .select(['id', 'name', 'role'])
    .where('id', '=', userId)
    .executeTakeFirst()
  if (!user) throw notFound('user', userId)
  const token = await mintToken(deps.secret, {
    userId: user.id,
    role: user.role,
    ttlSeconds: DEMO_TOKEN_TTL_SECONDS,
    now: deps.now,
  })
  const expiresAt = new Date(Math.floor(deps.now / 1000) * 1000 + DEMO_TOKEN_TTL_SECONDS * 1000)
  return { token, expiresAt: expiresAt.toISOString(), userId: user.id, name: user.name, role: user.role }
}
