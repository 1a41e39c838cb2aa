import assert from 'node:assert/strict'
import fs from 'node:fs'
import { test } from 'node:test'
import { errorCatalog } from './index.js'

test('every error code is documented in docs/errors.md, and nothing else is', () => {
  const doc = fs.readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  const documented = new Map(
    [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
  )
  const codes = Object.entries(errorCatalog).map(([code, { status }]) => [code, status] as const)
  assert.deepEqual(new Map(codes), documented)
})
