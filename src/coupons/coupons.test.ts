import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { DAY, HOUR } from '../platform/clock/index.js'
import { expectProblem, startTestApp, type TestApp } from '../testing/harness.js'

type UserCoupon = { id: number; couponId: number; status: string; issuedAt: string; expiresAt: string }

const iso = (ms: number) => new Date(ms).toISOString()

describe('coupons', () => {
  let t: TestApp
  let admin: string
  let nextUser = 1
  before(async () => {
    t = await startTestApp()
    admin = await t.adminToken()
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  const newUser = async (points = 0) => {
    const id = nextUser++
    if (points > 0) await t.charge(id, points)
    return { id, token: await t.token(id) }
  }
  const detail = async (id: number) => (await t.call('GET', `/api/v1/coupons/${id}`)).json()
  const issue = async (couponId: number, userId: number, token?: string) =>
    t.call('POST', `/api/v1/coupons/${couponId}/issue`, {
      token: token ?? (await t.token(userId)),
      body: { userId },
    })
  const claim = async (couponId: number, userId: number) => {
    const res = await issue(couponId, userId)
    assert.equal(res.statusCode, 201, res.body)
    return res.json()
  }
  const mine = async (userId: number, status?: string) => {
    const q = status ? `?status=${status}` : ''
    const res = await t.call('GET', `/api/v1/coupons/users/${userId}${q}`, { token: await t.token(userId) })
    assert.equal(res.statusCode, 200, res.body)
    return res.json().items as UserCoupon[]
  }
  const claimNew = async (coupon: Record<string, unknown>, userId: number) =>
    claim((await t.createCoupon(coupon)).id, userId)
  const listedIds = async () =>
    new Set(((await t.call('GET', '/api/v1/coupons')).json().items as { id: number }[]).map((c) => c.id))
  const order = (user: { id: number; token: string }, productId: number, userCouponId: number) =>
    t.call('POST', '/api/v1/orders', {
      token: user.token,
      body: { userId: user.id, items: [{ productId, quantity: 1 }], userCouponId },
    })
  const couponCount = async () => (await t.runtime.db.selectFrom('coupons').select('id').execute()).length

  test('admin creates FIXED and RATE coupons (201) with defaults and a window', async () => {
    const starts = iso(t.clock.now() + HOUR)
    const ends = iso(t.clock.now() + 2 * HOUR)
    const cases = [
      [
        { name: 'Fixed', discountType: 'FIXED', discountValue: 2_000, totalQuantity: 3, validDays: 7 },
        { maxDiscount: null, minOrderAmount: 0, issueStartsAt: null, issueEndsAt: null },
      ],
      [
        {
          name: 'Rate',
          discountType: 'RATE',
          discountValue: 100,
          maxDiscount: 5_000,
          minOrderAmount: 20_000,
          totalQuantity: 50,
          issueStartsAt: starts,
          issueEndsAt: ends,
          validDays: 30,
        },
        {},
      ],
    ] as const
    for (const [body, defaults] of cases) {
      const res = await t.call('POST', '/api/v1/admin/coupons', { token: admin, body })
      assert.equal(res.statusCode, 201, res.body)
      const id = res.json().id
      const expected = { id, ...body, ...defaults, issuedQuantity: 0, remainingQuantity: body.totalQuantity }
      assert.deepEqual(res.json(), expected)
      assert.deepEqual(await detail(id), expected)
    }
  })

  const now0 = Date.parse('2026-03-02T09:00:00.000Z')
  const badCoupons: [string, Record<string, unknown>][] = [
    ['RATE over 100', { discountType: 'RATE', discountValue: 101 }],
    ['issueEndsAt equal to issueStartsAt', { issueStartsAt: iso(now0), issueEndsAt: iso(now0) }],
    ['issueEndsAt before issueStartsAt', { issueStartsAt: iso(now0 + HOUR), issueEndsAt: iso(now0) }],
    ['discountValue 0', { discountValue: 0 }],
    ['totalQuantity 0', { totalQuantity: 0 }],
    ['validDays 0', { validDays: 0 }],
    ['an unknown discountType', { discountType: 'BOGO' }],
    ['a malformed timestamp', { issueStartsAt: 'tomorrow' }],
    ['an unknown field', { stackable: true }],
  ]
  for (const [why, patch] of badCoupons) {
    test(`create with ${why} is 400 and creates nothing`, async () => {
      const count = await couponCount()
      const body = {
        name: 'Bad',
        discountType: 'FIXED',
        discountValue: 1,
        totalQuantity: 5,
        validDays: 7,
        ...patch,
      }
      await expectProblem(
        t.call('POST', '/api/v1/admin/coupons', { token: admin, body }),
        400,
        'VALIDATION_FAILED',
      )
      assert.equal(await couponCount(), count)
    })
  }

  test('GET /coupons lists only coupons claimable now: window [start, end) and not sold out', async () => {
    const now = t.clock.now()
    const windowed = await t.createCoupon({
      issueStartsAt: iso(now + HOUR),
      issueEndsAt: iso(now + 2 * HOUR),
    })
    const single = await t.createCoupon({ totalQuantity: 1 })
    const past = await t.createCoupon({ issueStartsAt: iso(now - 2 * HOUR), issueEndsAt: iso(now - HOUR) })
    const seen = async () => {
      const ids = await listedIds()
      return [windowed, single, past].map((c) => ids.has(c.id))
    }
    assert.deepEqual(await seen(), [false, true, false])
    t.clock.set(now + HOUR)
    assert.deepEqual(await seen(), [true, true, false])
    await claim(single.id, (await newUser()).id)
    assert.deepEqual(await seen(), [true, false, false])
    t.clock.set(now + 2 * HOUR - 1)
    assert.deepEqual(await seen(), [true, false, false])
    t.clock.set(now + 2 * HOUR)
    assert.deepEqual(await seen(), [false, false, false])
  })

  test('GET /coupons/:id: remainingQuantity follows claims; 404; 400', async () => {
    const c = await t.createCoupon({ totalQuantity: 3 })
    assert.equal((await detail(c.id)).remainingQuantity, 3)
    await claim(c.id, (await newUser()).id)
    await claim(c.id, (await newUser()).id)
    assert.deepEqual([(await detail(c.id)).issuedQuantity, (await detail(c.id)).remainingQuantity], [2, 1])
    await expectProblem(t.call('GET', '/api/v1/coupons/999999'), 404, 'NOT_FOUND')
    await expectProblem(t.call('GET', '/api/v1/coupons/abc'), 400, 'VALIDATION_FAILED')
  })

  test('issue: 201 with expiresAt = issuedAt + validDays', async () => {
    const c = await t.createCoupon({
      name: 'Spring',
      discountType: 'RATE',
      discountValue: 10,
      maxDiscount: 2_000,
      minOrderAmount: 5_000,
      validDays: 3,
    })
    const u = await newUser()
    const res = await issue(c.id, u.id)
    assert.equal(res.statusCode, 201, res.body)
    const body = res.json()
    assert.deepEqual(body, {
      id: body.id,
      couponId: c.id,
      userId: u.id,
      name: 'Spring',
      discountType: 'RATE',
      discountValue: 10,
      maxDiscount: 2_000,
      minOrderAmount: 5_000,
      status: 'AVAILABLE',
      issuedAt: iso(t.clock.now()),
      expiresAt: iso(t.clock.now() + 3 * DAY),
    })
    assert.deepEqual(await mine(u.id), [body])
  })

  test('issue: 409 SOLD_OUT, ALREADY_ISSUED, NOT_ISSUABLE outside [start, end); 404; nothing is issued', async () => {
    const now = t.clock.now()
    const single = await t.createCoupon({ totalQuantity: 1 })
    const windowed = await t.createCoupon({ issueStartsAt: iso(now + DAY), issueEndsAt: iso(now + 2 * DAY) })
    const [a, b] = [await newUser(), await newUser()]
    await claim(single.id, a.id)
    await expectProblem(issue(single.id, a.id), 409, 'COUPON_ALREADY_ISSUED')
    await expectProblem(issue(single.id, b.id), 409, 'COUPON_SOLD_OUT')
    t.clock.set(now + DAY - 1)
    await expectProblem(issue(windowed.id, a.id), 409, 'COUPON_NOT_ISSUABLE')
    t.clock.set(now + DAY)
    await claim(windowed.id, b.id)
    t.clock.set(now + 2 * DAY)
    await expectProblem(issue(windowed.id, a.id), 409, 'COUPON_NOT_ISSUABLE')
    await expectProblem(issue(999999, a.id), 404, 'NOT_FOUND')
    assert.equal((await detail(single.id)).issuedQuantity, 1)
    assert.equal((await detail(windowed.id)).issuedQuantity, 1)
    const couponsOf = async (userId: number) => (await mine(userId)).map((c) => c.couponId)
    assert.deepEqual([await couponsOf(a.id), await couponsOf(b.id)], [[single.id], [windowed.id]])
  })

  test('issue and user list: 401, 403 for another customer, 400, 422 on a reused Idempotency-Key', async () => {
    const c = await t.createCoupon()
    const [a, b] = [await newUser(), await newUser()]
    await expectProblem(issue(c.id, a.id, b.token), 403, 'FORBIDDEN')
    const anon = await t.call('POST', `/api/v1/coupons/${c.id}/issue`, { body: { userId: a.id } })
    await expectProblem(anon, 401, 'UNAUTHORIZED')
    for (const body of [{}, { userId: 0 }, { userId: String(a.id) }]) {
      await expectProblem(
        t.call('POST', `/api/v1/coupons/${c.id}/issue`, { token: a.token, body }),
        400,
        'VALIDATION_FAILED',
      )
    }
    await expectProblem(t.call('GET', `/api/v1/coupons/users/${a.id}`), 401, 'UNAUTHORIZED')
    await expectProblem(t.call('GET', `/api/v1/coupons/users/${a.id}`, { token: b.token }), 403, 'FORBIDDEN')
    const bad = await t.call('GET', `/api/v1/coupons/users/${a.id}?status=LOST`, { token: a.token })
    await expectProblem(bad, 400, 'VALIDATION_FAILED')
    assert.equal((await detail(c.id)).issuedQuantity, 0)

    const headers = { 'idempotency-key': 'claim-1' }
    const keyed = (userId: number) =>
      t.call('POST', `/api/v1/coupons/${c.id}/issue`, { token: admin, body: { userId }, headers })
    assert.equal((await keyed(a.id)).statusCode, 201)
    await expectProblem(keyed(b.id), 422, 'IDEMPOTENCY_KEY_REUSED')
    assert.equal((await detail(c.id)).issuedQuantity, 1)
    assert.deepEqual(await mine(b.id), [])
  })

  test('user coupons filter by status; EXPIRED is derived from the clock', async () => {
    const u = await newUser(100_000)
    const p = await t.createProduct({ price: 10_000, stock: 5 })
    const short = await claimNew({ validDays: 1 }, u.id)
    const long = await claimNew({ validDays: 10 }, u.id)
    const used = await claimNew({ validDays: 10 }, u.id)
    assert.equal((await order(u, p.id, used.id)).statusCode, 201)
    const ids = async (status?: string) => (await mine(u.id, status)).map((c) => [c.id, c.status])
    assert.deepEqual(await ids('AVAILABLE'), [
      [long.id, 'AVAILABLE'],
      [short.id, 'AVAILABLE'],
    ])
    t.clock.advance(DAY - 1)
    assert.deepEqual(await ids('EXPIRED'), [])
    t.clock.advance(1)
    assert.deepEqual(await ids(), [
      [used.id, 'USED'],
      [long.id, 'AVAILABLE'],
      [short.id, 'EXPIRED'],
    ])
    assert.deepEqual(await ids('AVAILABLE'), [[long.id, 'AVAILABLE']])
    assert.deepEqual(await ids('USED'), [[used.id, 'USED']])
    assert.deepEqual(await ids('EXPIRED'), [[short.id, 'EXPIRED']])
  })

  test('admin grants: counts, duplicates, quantity, all-or-nothing, ignores the claim window', async () => {
    const now = t.clock.now()
    const window = { issueStartsAt: iso(now + 10 * DAY), issueEndsAt: iso(now + 11 * DAY) }
    const c = await t.createCoupon({ totalQuantity: 5, validDays: 4, ...window })
    const grant = (userIds: unknown, token: string | null = admin) =>
      t.call('POST', `/api/v1/admin/coupons/${c.id}/grants`, { token, body: { userIds } })
    const expectGrant = async (userIds: number[], granted: number, skipped: number, issued: number) => {
      const res = await grant(userIds)
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), { granted, skipped })
      assert.equal((await detail(c.id)).issuedQuantity, issued)
    }
    const [u1, u2, u3, u4, u5, u6] = [1, 2, 3, 4, 5, 6].map(() => nextUser++) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    await expectGrant([u1, u2], 2, 0, 2)
    const granted = (await mine(u1)).map((g) => [g.couponId, g.status, g.issuedAt, g.expiresAt])
    assert.deepEqual(granted, [[c.id, 'AVAILABLE', iso(now), iso(now + 4 * DAY)]])
    await expectGrant([u2, u3, u3, u4], 2, 2, 4)
    await expectProblem(grant([u5, u6]), 409, 'COUPON_SOLD_OUT')
    assert.equal((await detail(c.id)).issuedQuantity, 4)
    assert.deepEqual([await mine(u5), await mine(u6)], [[], []])
    await expectGrant([u4, u5], 1, 1, 5)
    await expectGrant([u1, u2], 0, 2, 5)
    await expectProblem(grant([u6]), 409, 'COUPON_SOLD_OUT')

    await expectProblem(
      t.call('POST', '/api/v1/admin/coupons/999999/grants', { token: admin, body: { userIds: [u6] } }),
      404,
      'NOT_FOUND',
    )
    for (const bad of [[], [0], ['1'], null]) await expectProblem(grant(bad), 400, 'VALIDATION_FAILED')
    await expectProblem(grant([u6], null), 401, 'UNAUTHORIZED')
    await expectProblem(grant([u6], await t.token(u6)), 403, 'FORBIDDEN')
    assert.deepEqual(await mine(u6), [])
  })

  test('a grant of 10,000 users (the maximum) is granted in full, then skipped in full', async () => {
    const c = await t.createCoupon({ totalQuantity: 10_000 })
    const userIds = Array.from({ length: 10_000 }, (_, i) => 1_000_000 + i)
    const grant = () =>
      t.call('POST', `/api/v1/admin/coupons/${c.id}/grants`, { token: admin, body: { userIds } })
    assert.deepEqual((await grant()).json(), { granted: 10_000, skipped: 0 })
    assert.deepEqual((await grant()).json(), { granted: 0, skipped: 10_000 })
    assert.equal((await detail(c.id)).remainingQuantity, 0)
    assert.equal((await mine(userIds.at(-1)!)).length, 1)
  })

  test('admin create: 401 without a token, 403 for a customer', async () => {
    const count = await couponCount()
    const body = { name: 'x', discountType: 'FIXED', discountValue: 1, totalQuantity: 1, validDays: 1 }
    await expectProblem(t.call('POST', '/api/v1/admin/coupons', { body }), 401, 'UNAUTHORIZED')
    await expectProblem(
      t.call('POST', '/api/v1/admin/coupons', { token: await t.token(1), body }),
      403,
      'FORBIDDEN',
    )
    assert.equal(await couponCount(), count)
  })
})
