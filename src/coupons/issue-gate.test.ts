import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { deleteKeys } from '../platform/redis/index.js'
import { needsServices } from '../testing/backend.js'
import { startTestApp, type TestApp } from '../testing/harness.js'

const needsRedis = needsServices('redis')

describe('the Redis coupon gate', needsRedis, () => {
  let t: TestApp
  let nextUser = 700
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  const claim = async (couponId: number, userId: number) =>
    t.call('POST', `/api/v1/coupons/${couponId}/issue`, { token: await t.token(userId), body: { userId } })
  const codeOf = (res: { statusCode: number; json(): { code?: string } }) =>
    res.statusCode === 201 ? 'ISSUED' : res.json().code

  test('refuses an exhausted coupon and a second claim without asking the database', async () => {
    const c = await t.createCoupon({ totalQuantity: 2 })
    const [a, b, late] = [nextUser++, nextUser++, nextUser++]
    assert.equal(codeOf(await claim(c.id, a)), 'ISSUED')
    assert.equal(codeOf(await claim(c.id, b)), 'ISSUED')
    // Quantity appears behind the gate's back: the database would now issue, the gate still knows better.
    await sql`update coupons set total_quantity = 3 where id = ${c.id}`.execute(t.runtime.db)
    assert.equal(codeOf(await claim(c.id, late)), 'COUPON_SOLD_OUT')
    // And a user's second claim is refused from Redis alone, even with room in the database.
    assert.equal(codeOf(await claim(c.id, a)), 'COUPON_ALREADY_ISSUED')
    // Once the mirror is rebuilt (here: flushed), the database's truth comes back through the gate.
    await deleteKeys(t.runtime.services.redis!.client, t.runtime.services.redis!.key(''))
    assert.equal(codeOf(await claim(c.id, a)), 'COUPON_ALREADY_ISSUED', 'the unique key still holds')
    assert.equal(codeOf(await claim(c.id, late)), 'ISSUED')
  })

  test('a claim the database refuses gives the unit back', async () => {
    const c = await t.createCoupon({ totalQuantity: 1 })
    const [granted, other] = [nextUser++, nextUser++]
    const grant = await t.call('POST', `/api/v1/admin/coupons/${c.id}/grants`, {
      token: await t.adminToken(),
      body: { userIds: [granted] },
    })
    assert.equal(grant.statusCode, 200, grant.body)
    // The grant used the only unit: the rebuilt gate says so without a database trip for `other`.
    assert.equal(codeOf(await claim(c.id, other)), 'COUPON_SOLD_OUT')
    assert.equal(codeOf(await claim(c.id, granted)), 'COUPON_ALREADY_ISSUED')
  })

  test('flushing Redis during a rush never issues one too many or twice', async () => {
    const c = await t.createCoupon({ totalQuantity: 10 })
    const users = Array.from({ length: 40 }, () => nextUser++)
    const redis = t.runtime.services.redis!
    const flushes = (async () => {
      for (let i = 0; i < 5; i++) {
        await deleteKeys(redis.client, redis.key(''))
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    const answers = await Promise.all(users.flatMap((u) => [claim(c.id, u), claim(c.id, u)]))
    await flushes
    const issued = answers.filter((r) => r.statusCode === 201).map((r) => r.json().userId)
    assert.equal(issued.length, 10)
    assert.equal(new Set(issued).size, 10, 'nobody got two')
  })
})
