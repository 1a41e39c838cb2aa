/**
 * Mints a bearer token with the configured (or generated demo) HS256 secret:
 *   npm run token -- --user 42 [--admin] [--ttl 1h]
 */
import { parseArgs } from 'node:util'
import { loadOrCreateDemoSecret, mintToken } from '../auth/index.js'
import { loadConfig } from '../config/index.js'

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text)
  if (!match) throw new Error(`--ttl must look like 90, 30m, 1h or 7d; got "${text}"`)
  return Number(match[1]) * UNITS[match[2] || 's']!
}

async function main() {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      admin: { type: 'boolean', default: false },
      ttl: { type: 'string', default: '1h' },
    },
  })
  if (!values.user || !/^[1-9]\d{0,14}$/.test(values.user))
    throw new Error('--user must be a positive integer user id')
  const config = loadConfig()
  if (config.jwt.jwksUrl)
    throw new Error('tokens are issued by your identity provider when JWT_JWKS_URL is set')
  const secret = config.jwt.secret ?? loadOrCreateDemoSecret(config.dataDir)
  const token = await mintToken(secret, {
    userId: Number(values.user),
    role: values.admin ? 'admin' : 'customer',
    ttlSeconds: parseTtl(values.ttl!),
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
  })
  process.stdout.write(`${token}\n`)
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exit(1)
})
