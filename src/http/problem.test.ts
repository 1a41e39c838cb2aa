import assert from 'node:assert/strict'
import { test } from 'node:test'
import { toAppError } from './problem.js'

const driverError = (code: string, message = 'driver failure') => Object.assign(new Error(message), { code })

test('a database that is away or too slow is 503 DATABASE_UNAVAILABLE, not a 500', () => {
  for (const code of [
    'PROTOCOL_CONNECTION_LOST',
    'ECONNREFUSED',
    'ER_LOCK_WAIT_TIMEOUT',
    'ER_STATEMENT_TIMEOUT',
    'SQLITE_BUSY',
  ]) {
    const mapped = toAppError(driverError(code))
    assert.equal(mapped.code, 'DATABASE_UNAVAILABLE', code)
    assert.equal(mapped.status, 503)
  }
  assert.equal(toAppError(new Error("Can't add new command when connection is in closed state")).status, 503)
})

test('anything else unknown stays INTERNAL_ERROR (a bug, logged)', () => {
  assert.equal(toAppError(driverError('ER_PARSE_ERROR')).code, 'INTERNAL_ERROR')
  assert.equal(toAppError(new TypeError('x is undefined')).code, 'INTERNAL_ERROR')
})
