import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { MINUTE } from '../platform/clock/index.js'
import { expectProblem, startTestApp, type TestApp } from '../testing/harness.js'

const MIN = 100
const MAX_CHARGE = 30_000
const MAX_BALANCE = 50_000

describe('points', () => {
  let t: TestApp
  let nextUser = 1
  before(async () => {
    t = await startTestApp({
      POINTS_MIN_CHARGE: String(MIN),
      POINTS_MAX_CHARGE: String(MAX_CHARGE),
      POINTS_MAX_BALANCE: String(MAX_BALANCE),
    })
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  const newUser = async () => {
    const id = nextUser++
    return { id, token: await t.token(id) }
  }
  const charge = (userId: number, amount: unknown, token: string | null, headers?: Record<string, string>) =>
    t.call('POST', `/api/v1/points/users/${userId}/charge`, {
      token,
      body: { amount },
      ...(headers && { headers }),
    })
  const balance = async (userId: number) => {
    const res = await t.call('GET', `/api/v1/points/users/${userId}`, { token: await t.adminToken() })
    assert.equal(res.statusCode, 200, res.body)
    return res.json().balance as number
  }
  const history = async (userId: number, query = '') => {
    const res = await t.call('GET', `/api/v1/points/users/${userId}/history${query}`, {
      token: await t.adminToken(),
    })
    assert.equal(res.statusCode, 200, res.body)
    return res.json()
  }
  const walletExists = async (userId: number) =>
    (await t.runtime.db.selectFrom('point_wallets').select('user_id').where('user_id', '=', userId).execute())
      .length > 0

  test('a never-seen user has a balance of 0 and an empty history', async () => {
    const u = await newUser()
    const res = await t.call('GET', `/api/v1/points/users/${u.id}`, { token: u.token })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { userId: u.id, balance: 0 })
    assert.deepEqual(await history(u.id), { items: [], nextCursor: null })
    assert.equal(await walletExists(u.id), false)
  })

  test('charges add up, at both bounds of the allowed amount', async () => {
    const u = await newUser()
    let expected = 0
    for (const amount of [MIN, MAX_CHARGE, 1_234]) {
      expected += amount
      const res = await charge(u.id, amount, u.token)
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), { userId: u.id, balance: expected, charged: amount })
    }
    assert.equal(await balance(u.id), expected)
  })

  const badAmounts: [string, unknown][] = [
    ['below POINTS_MIN_CHARGE', MIN - 1],
    ['above POINTS_MAX_CHARGE', MAX_CHARGE + 1],
    ['of zero', 0],
    ['that is negative', -500],
    ['that is fractional', 150.5],
    ['sent as a string', '500'],
    ['of null', null],
  ]
  for (const [why, amount] of badAmounts) {
    test(`a charge ${why} is 400 VALIDATION_FAILED and charges nothing`, async () => {
      const u = await newUser()
      await t.charge(u.id, 1_000)
      const res = await charge(u.id, amount, u.token)
      await expectProblem(res, 400, 'VALIDATION_FAILED')
      assert.deepEqual(
        res.json().errors.map((e: { path: string }) => e.path),
        ['body/amount'],
      )
      assert.equal(await balance(u.id), 1_000)
      assert.equal((await history(u.id)).items.length, 1)
    })
  }

  test('a charge reaching POINTS_MAX_BALANCE exactly is allowed; passing it is 409 with nothing charged', async () => {
    const u = await newUser()
    await t.charge(u.id, MAX_CHARGE)
    await t.charge(u.id, MAX_BALANCE - MAX_CHARGE - MIN)
    const res = await charge(u.id, MIN + 1, u.token)
    await expectProblem(res, 409, 'POINTS_LIMIT_EXCEEDED')
    assert.equal(await balance(u.id), MAX_BALANCE - MIN)
    assert.equal((await history(u.id)).items.length, 2)

    assert.equal((await charge(u.id, MIN, u.token)).json().balance, MAX_BALANCE)
    await expectProblem(await charge(u.id, MIN, u.token), 409, 'POINTS_LIMIT_EXCEEDED')
    assert.equal(await balance(u.id), MAX_BALANCE)
    assert.equal((await history(u.id)).items.length, 3)
  })

  test('a refund may lift the balance over the cap; further charges are then refused', async () => {
    const u = await newUser()
    const p = await t.createProduct({ price: 10_000, stock: 1 })
    await t.charge(u.id, MAX_CHARGE)
    await t.charge(u.id, MAX_BALANCE - MAX_CHARGE)
    const order = await t.call('POST', '/api/v1/orders', {
      token: u.token,
      body: { userId: u.id, items: [{ productId: p.id, quantity: 1 }] },
    })
    assert.equal(order.statusCode, 201, order.body)
    await t.charge(u.id, 10_000)
    const cancel = await t.call('POST', `/api/v1/orders/${order.json().id}/cancel`, { token: u.token })
    assert.equal(cancel.statusCode, 200, cancel.body)
    assert.equal(await balance(u.id), MAX_BALANCE + 10_000)
    await expectProblem(await charge(u.id, MIN, u.token), 409, 'POINTS_LIMIT_EXCEEDED')
    assert.equal(await balance(u.id), MAX_BALANCE + 10_000)
  })

  test('history is newest first with signed amounts, balanceAfter, orderId and createdAt', async () => {
    const u = await newUser()
    const p = await t.createProduct({ price: 3_000, stock: 5 })
    const times: string[] = []
    const step = () => {
      t.clock.advance(MINUTE)
      times.push(new Date(t.clock.now()).toISOString())
    }
    step()
    await t.charge(u.id, 10_000)
    step()
    await t.charge(u.id, 5_000)
    step()
    const placed = await t.call('POST', '/api/v1/orders', {
      token: u.token,
      body: { userId: u.id, items: [{ productId: p.id, quantity: 1 }] },
    })
    const orderId = placed.json().id
    step()
    await t.call('POST', `/api/v1/orders/${orderId}/cancel`, { token: u.token })

    const { items, nextCursor } = await history(u.id)
    assert.equal(nextCursor, null)
    assert.deepEqual(
      items.map(({ id: _, ...rest }: { id: number }) => rest),
      [
        { type: 'REFUND', amount: 3_000, balanceAfter: 15_000, orderId, createdAt: times[3] },
        { type: 'PAYMENT', amount: -3_000, balanceAfter: 12_000, orderId, createdAt: times[2] },
        { type: 'CHARGE', amount: 5_000, balanceAfter: 15_000, orderId: null, createdAt: times[1] },
        { type: 'CHARGE', amount: 10_000, balanceAfter: 10_000, orderId: null, createdAt: times[0] },
      ],
    )
    const ids = items.map((e: { id: number }) => e.id)
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    )
    assert.equal(await balance(u.id), 15_000)
  })

  test('history pages with limit and cursor until nextCursor is null', async () => {
    const u = await newUser()
    const amounts = [1_000, 2_000, 3_000, 4_000, 5_000]
    for (const a of amounts) await t.charge(u.id, a)
    const seen: number[][] = []
    const cursors: (string | null)[] = []
    let cursor: string | null = null
    do {
      const page = await history(u.id, `?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)
      seen.push(page.items.map((e: { amount: number }) => e.amount))
      cursors.push(page.nextCursor)
      cursor = page.nextCursor
    } while (cursor !== null && seen.length < 10)
    assert.deepEqual(seen, [[5_000, 4_000], [3_000, 2_000], [1_000]])
    const all = (await history(u.id)).items
    assert.deepEqual(cursors, [String(all[1].id), String(all[3].id), null])
    // Another user's rows never leak into the pages.
    const other = await newUser()
    await t.charge(other.id, 7_000)
    assert.deepEqual(
      (await history(u.id, `?cursor=${all[1].id}`)).items.map((e: { amount: number }) => e.amount),
      [3_000, 2_000, 1_000],
    )
  })

  test('401 without a token, 403 for another customer, 200 for an admin; nothing is charged', async () => {
    const u = await newUser()
    const stranger = await newUser()
    await t.charge(u.id, 2_000)
    const base = `/api/v1/points/users/${u.id}`
    const calls: [string, string, unknown][] = [
      ['GET', base, undefined],
      ['POST', `${base}/charge`, { amount: 1_000 }],
      ['GET', `${base}/history`, undefined],
    ]
    for (const [method, url, body] of calls) {
      await expectProblem(await t.call(method as 'GET', url, { token: null, body }), 401, 'UNAUTHORIZED')
      await expectProblem(
        await t.call(method as 'GET', url, { token: stranger.token, body }),
        403,
        'FORBIDDEN',
      )
    }
    assert.equal(await balance(u.id), 2_000)
    assert.equal(await walletExists(stranger.id), false)
    assert.equal((await charge(u.id, 1_000, await t.adminToken())).json().balance, 3_000)
  })

  test('malformed user ids and queries are 400', async () => {
    const u = await newUser()
    for (const url of [
      '/api/v1/points/users/abc',
      '/api/v1/points/users/0',
      `/api/v1/points/users/${u.id}/history?limit=0`,
      `/api/v1/points/users/${u.id}/history?limit=101`,
      `/api/v1/points/users/${u.id}/history?cursor=x`,
      `/api/v1/points/users/${u.id}/history?page=2`,
    ]) {
      await expectProblem(await t.call('GET', url, { token: u.token }), 400, 'VALIDATION_FAILED')
    }
    await expectProblem(
      await t.call('POST', '/api/v1/points/users/0/charge', { token: u.token, body: { amount: 1_000 } }),
      400,
      'VALIDATION_FAILED',
    )
    await expectProblem(
      await t.call('POST', `/api/v1/points/users/${u.id}/charge`, {
        token: u.token,
        body: { amount: 1_000, x: 1 },
      }),
      400,
      'VALIDATION_FAILED',
    )
    assert.equal(await balance(u.id), 0)
  })

  test('Idempotency-Key: a replay charges once; the key with another amount is 422', async () => {
    const u = await newUser()
    const key = { 'idempotency-key': 'topup-1' }
    const first = await charge(u.id, 4_000, u.token, key)
    assert.equal(first.statusCode, 200, first.body)
    const replay = await charge(u.id, 4_000, u.token, key)
    assert.equal(replay.statusCode, 200)
    assert.equal(replay.headers['idempotent-replayed'], 'true')
    assert.deepEqual(replay.json(), first.json())
    await expectProblem(await charge(u.id, 9_000, u.token, key), 422, 'IDEMPOTENCY_KEY_REUSED')
    assert.equal(await balance(u.id), 4_000)
    assert.equal((await history(u.id)).items.length, 1)
  })
})
