import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose'
import type { JwtConfig } from '../config/index.js'
import { AppError } from '../platform/errors/index.js'
import type { Principal, Role } from './principal.js'

export interface TokenVerifier {
  /** Resolves the principal or throws `UNAUTHORIZED`. */
  verify(token: string): Promise<Principal>
  /**
   * The principal of a token `verify` accepted before and that has not expired, without checking
   * it again (no signature, no promise): for answers decided before the request's own hooks run.
   */
  remembered(token: string): Principal | undefined
}

const SUBJECT = /^[1-9]\d{0,14}$/

function toPrincipal(payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub)) {
    throw new AppError('UNAUTHORIZED', 'token subject must be a positive integer user id')
  }
  const role = payload['role'] ?? 'customer'
  if (role !== 'customer' && role !== 'admin') throw new AppError('UNAUTHORIZED', 'unknown role in token')
  return { userId: Number(payload.sub), role }
}

/**
 * Verifies bearer tokens with an explicit algorithm allow-list (never `none`), a required `exp`,
 * and issuer/audience when configured. Verified tokens are remembered until they expire, so a
 * client's repeated calls cost one map lookup instead of a signature check.
 */
export function createTokenVerifier(config: JwtConfig, now: () => number = Date.now): TokenVerifier {
  let key: Uint8Array | JWTVerifyGetKey
  let algorithms: string[]
  if (config.jwksUrl) {
    key = createRemoteJWKSet(new URL(config.jwksUrl))
    algorithms = ['RS256', 'ES256']
  } else if (config.secret) {
    key = new TextEncoder().encode(config.secret)
    algorithms = ['HS256']
  } else {
    throw new Error('no JWT secret or JWKS URL configured')
  }
  const verified = new Map<string, { principal: Principal; expMs: number }>()
  const MAX_REMEMBERED = 50_000

  const remembered = (token: string): Principal | undefined => {
    const hit = verified.get(token)
    if (!hit) return undefined
    if (hit.expMs > now()) return hit.principal
    verified.delete(token)
    return undefined
  }

  return {
    remembered,
    async verify(token) {
      const hit = remembered(token)
      if (hit) return hit
      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(token, key as Uint8Array, {
          algorithms,
          issuer: config.issuer,
          audience: config.audience,
          requiredClaims: ['exp', 'sub'],
          currentDate: new Date(now()),
        }))
      } catch (error) {
        const reason =
          (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token'
        throw new AppError('UNAUTHORIZED', reason)
      }
      const principal = toPrincipal(payload)
      if (verified.size >= MAX_REMEMBERED) verified.clear()
      verified.set(token, { principal, expMs: (payload.exp ?? 0) * 1000 })
      return principal
    },
  }
}

export interface MintOptions {
  userId: number
  role?: Role
  ttlSeconds?: number
  issuer?: string
  audience?: string
  now?: number
}

/** Signs an HS256 token (demo tokens, the token CLI, tests and the load tester). */
export async function mintToken(secret: string, opts: MintOptions): Promise<string> {
  const iat = Math.floor((opts.now ?? Date.now()) / 1000)
  let jwt = new SignJWT({ role: opts.role ?? 'customer' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(opts.userId))
    .setIssuedAt(iat)
    .setExpirationTime(iat + (opts.ttlSeconds ?? 3600))
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer)
  if (opts.audience) jwt = jwt.setAudience(opts.audience)
  return jwt.sign(new TextEncoder().encode(secret))
}
