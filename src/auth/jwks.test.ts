import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createTokenVerifier } from './tokens.js'

/** A real JWKS endpoint on loopback, as an identity provider would serve it. */
describe('JWKS verification (RS256/ES256)', () => {
  let server: http.Server
  let url: string
  const keys: Record<string, Awaited<ReturnType<typeof generateKeyPair>>['privateKey']> = {}
  before(async () => {
    const rs = await generateKeyPair('RS256')
    const es = await generateKeyPair('ES256')
    keys['RS256'] = rs.privateKey
    keys['ES256'] = es.privateKey
    const jwks = {
      keys: [
        { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' },
      ],
    }
    server = http.createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify(jwks)),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const sign = (
    alg: 'RS256' | 'ES256',
    claims: Record<string, unknown>,
    opts: { iss?: string; aud?: string } = {},
  ) => {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg, kid: alg === 'RS256' ? 'rs' : 'es' })
      .setSubject('42')
      .setExpirationTime('5m')
    if (opts.iss) jwt = jwt.setIssuer(opts.iss)
    if (opts.aud) jwt = jwt.setAudience(opts.aud)
    return jwt.sign(keys[alg]!)
  }

  test('accepts RS256 and ES256 tokens signed by the provider', async () => {
    const verifier = createTokenVerifier({ jwksUrl: url })
    assert.deepEqual(await verifier.verify(await sign('RS256', {})), { userId: 42, role: 'customer' })
    assert.deepEqual(await verifier.verify(await sign('ES256', { role: 'admin' })), {
      userId: 42,
      role: 'admin',
    })
  })

  test('checks issuer and audience when configured', async () => {
    const verifier = createTokenVerifier({ jwksUrl: url, issuer: 'https://id.shop', audience: 'floodgate' })
    const good = await sign('RS256', {}, { iss: 'https://id.shop', aud: 'floodgate' })
    assert.equal((await verifier.verify(good)).userId, 42)
    for (const bad of [
      await sign('RS256', {}, { iss: 'https://evil', aud: 'floodgate' }),
      await sign('RS256', {}, { iss: 'https://id.shop', aud: 'other' }),
      await sign('RS256', {}),
    ]) {
      await assert.rejects(verifier.verify(bad), { code: 'UNAUTHORIZED' })
    }
  })

  test('an HS256 token is refused when verifying against a JWKS (no algorithm confusion)', async () => {
    const verifier = createTokenVerifier({ jwksUrl: url })
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('42')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)))
    await assert.rejects(verifier.verify(hs), { code: 'UNAUTHORIZED' })
  })
})
