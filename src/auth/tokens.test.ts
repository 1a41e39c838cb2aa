import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../platform/clock/index.js'
import { createTokenVerifier, mintToken } from './tokens.js'

const SECRET = 'tokens-test-secret-0123456789abcdef0123'

describe('remembered tokens', () => {
  test('a token is remembered once verified, and forgotten when it expires', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const verifier = createTokenVerifier({ secret: SECRET }, () => clock.now())
    const token = await mintToken(SECRET, { userId: 42, now: clock.now(), ttlSeconds: 60 })
    assert.equal(verifier.remembered(token), undefined, 'not verified yet')
    assert.deepEqual(await verifier.verify(token), { userId: 42, role: 'customer' })
    assert.deepEqual(verifier.remembered(token), { userId: 42, role: 'customer' })
    clock.advance(60_000)
    assert.equal(verifier.remembered(token), undefined, 'expired')
    await assert.rejects(verifier.verify(token), /token expired/)
  })

  test('a token that failed verification is never remembered', async () => {
    const verifier = createTokenVerifier({ secret: SECRET })
    const forged = await mintToken('another-secret-0123456789abcdef01234567', { userId: 1, role: 'admin' })
    await assert.rejects(verifier.verify(forged), /invalid token/)
    assert.equal(verifier.remembered(forged), undefined)
  })
})
