import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { loadOrCreateDemoSecret } from './demo-secret.js'

test('the demo secret is made once, kept owner-only, and reused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-secret-'))
  try {
    const first = loadOrCreateDemoSecret(dir)
    assert.ok(Buffer.byteLength(first) >= 32)
    assert.equal(fs.statSync(path.join(dir, 'jwt-secret')).mode & 0o777, 0o600)
    assert.equal(loadOrCreateDemoSecret(dir), first)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
