/**
 * One token per virtual user: minted with the deployment's HS256 secret (the same claims the server
 * expects, see src/auth/tokens.ts), or read from a file of tokens, one a line.
 */
import fs from 'node:fs'
import { decodeJwt } from 'jose'
import { mintToken } from '../src/auth/index.js'
import type { VirtualUser } from './journeys/index.js'

export interface TokenSource {
  secret?: string
  tokenFile?: string
  /** Token lifetime: long enough for the whole run. */
  ttlSeconds: number
}

export async function makeUsers(
  firstUserId: number,
  count: number,
  source: TokenSource,
): Promise<VirtualUser[]> {
  if (source.tokenFile) {
    const tokens = fs
      .readFileSync(source.tokenFile, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
    if (tokens.length < count) {
      throw new Error(`${source.tokenFile} holds ${tokens.length} tokens; the scenario needs ${count} users`)
    }
    return tokens
      .slice(0, count)
      .map((token) => ({ id: Number(decodeJwt(token).sub), authorization: `Bearer ${token}` }))
  }
  if (!source.secret) throw new Error('give --secret (or JWT_SECRET) to mint user tokens, or --token-file')
  const users: VirtualUser[] = []
  for (let i = 0; i < count; i++) {
    const id = firstUserId + i
    const token = await mintToken(source.secret, { userId: id, ttlSeconds: source.ttlSeconds })
    users.push({ id, authorization: `Bearer ${token}` })
  }
  return users
}

export async function adminToken(
  source: TokenSource & { adminToken?: string; adminId: number },
): Promise<string> {
  if (source.adminToken) return source.adminToken
  if (!source.secret)
    throw new Error('preparing data needs --admin-token, or --secret (or JWT_SECRET) to mint one')
  return mintToken(source.secret, { userId: source.adminId, role: 'admin', ttlSeconds: source.ttlSeconds })
}
