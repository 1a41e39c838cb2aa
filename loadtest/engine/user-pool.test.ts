import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UserPool } from './user-pool.js'

const users = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, authorization: '' }))

test('users come with the stage, think between requests, and leave only when not ready', () => {
  const pool = new UserPool(users, [100, 100], () => 0)
  pool.setTarget(4)
  const a = pool.take()!
  const b = pool.take()!
  assert.equal(pool.inFlight, 2)
  pool.release(a, 0)
  pool.wake(50)
  // a is still thinking; c and d are ready.
  assert.deepEqual([pool.take()?.user.id, pool.take()?.user.id, pool.take()], [3, 4, undefined])
  pool.wake(100)
  assert.equal(pool.take()?.user.id, 1)

  // The stage drops to 2 users: the ones that finish leave first; nobody ready is taken away.
  pool.setTarget(2)
  pool.release(b, 100)
  assert.equal(pool.active, 3)
  assert.equal(pool.inFlight, 3)
  pool.setTarget(10)
  assert.equal(pool.active, 10)
})

test('a lower user count never starves arrivals while some user is ready', () => {
  const pool = new UserPool(users, [1000, 1000], () => 0)
  pool.setTarget(10)
  const first = [pool.take()!, pool.take()!]
  for (const actor of first) pool.release(actor, 0)
  pool.setTarget(5)
  // Eight users are ready, two think: the thinkers leave as they wake, the ready ones stay usable.
  pool.wake(1000)
  assert.equal(pool.active, 8)
  let ready = 0
  while (pool.take()) ready++
  assert.equal(ready, 8)
})

test("a journey's next step goes before a new journey", () => {
  const pool = new UserPool(users, [0, 0], () => 0)
  pool.setTarget(3)
  const first = pool.take()!
  first.journey = { name: 'buy', weight: 1, steps: [] }
  pool.release(first, 0)
  // Users 2 and 3 have been ready longer, but user 1 is between two steps of a journey.
  assert.equal(pool.take()?.user.id, 1)
  assert.equal(pool.take()?.user.id, 2)
})

test('a user held for a retry takes no arrivals, and a stand-in keeps the stage at its count', () => {
  const pool = new UserPool(users.slice(0, 2), [0, 0], () => 0)
  pool.setTarget(2)
  const refused = pool.take()!
  const other = pool.take()!
  assert.equal(pool.take(), undefined)
  pool.hold(refused)
  // The held user waits for its Retry-After; arrivals find a stand-in under the same identity.
  assert.equal(pool.active, 2)
  assert.equal(pool.inFlight, 1)
  const standIn = pool.take()!
  assert.notEqual(standIn, refused)
  assert.equal(standIn.user, refused.user)
  assert.equal(pool.take(), undefined)
  pool.resume()
  assert.equal(pool.inFlight, 3)
  // One over the target now: the first user to finish leaves, and the stage is back at two.
  pool.release(refused, 0)
  assert.equal(pool.active, 2)
  pool.release(other, 0)
  pool.release(standIn, 0)
  assert.equal(pool.active, 2)
  assert.equal([pool.take(), pool.take(), pool.take()].filter(Boolean).length, 2)
})
