import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { HOUR, SECOND } from '../platform/clock/index.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { type Claim, claimKey, completeKey, findKey, takeOverKey } from './idempotency-store.js'

describe('Idempotency-Key', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())
  afterEach(() => t.invariants())

  const order = async (userId: number, productId: number, key: string, quantity = 1) =>
    t.call('POST', '/api/v1/orders', {
      token: await t.token(userId),
      body: { userId, items: [{ productId, quantity }] },
      headers: { 'idempotency-key': key },
    })

  test('a repeat replays the stored answer and does nothing again', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    await t.charge(1, 10_000)
    const first = await order(1, p.id, 'k-1')
    assert.equal(first.statusCode, 201)
    assert.equal(first.headers['idempotent-replayed'], undefined)
    const second = await order(1, p.id, 'k-1')
    assert.equal(second.statusCode, 201)
    assert.equal(second.headers['idempotent-replayed'], 'true')
    assert.deepEqual(second.json(), first.json())
    assert.equal((await t.call('GET', `/api/v1/products/${p.id}`)).json().stock, 9)
  })

  test('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    await t.charge(2, 10_000)
    assert.equal((await order(2, p.id, 'k-2')).statusCode, 201)
    const reused = await order(2, p.id, 'k-2', 2)
    assert.equal(reused.statusCode, 422)
    assert.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED')
    assert.equal((await t.call('GET', `/api/v1/products/${p.id}`)).json().stock, 9)
  })

  test('keys are scoped per user and per path', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 10 })
    await t.charge(3, 10_000)
    await t.charge(4, 10_000)
    assert.equal((await order(3, p.id, 'shared')).headers['idempotent-replayed'], undefined)
    assert.equal((await order(4, p.id, 'shared')).headers['idempotent-replayed'], undefined)
    const charge = await t.call('POST', '/api/v1/points/users/3/charge', {
      token: await t.token(3),
      body: { amount: 1_000 },
      headers: { 'idempotency-key': 'shared' },
    })
    assert.equal(charge.statusCode, 200)
    assert.equal(charge.headers['idempotent-replayed'], undefined)
    assert.equal((await t.call('GET', `/api/v1/products/${p.id}`)).json().stock, 8)
  })

  test('a refused request is replayed as refused (the answer, not a retry)', async () => {
    const p = await t.createProduct({ price: 1_000, stock: 0 })
    await t.charge(5, 10_000)
    const first = await order(5, p.id, 'k-5')
    assert.equal(first.json().code, 'INSUFFICIENT_STOCK')
    await t.call('POST', `/api/v1/admin/products/${p.id}/stock`, {
      token: await t.adminToken(),
      body: { delta: 5 },
    })
    const again = await order(5, p.id, 'k-5')
    assert.equal(again.statusCode, 409)
    assert.equal(again.headers['idempotent-replayed'], 'true')
    assert.match(String(again.headers['content-type']), /^application\/problem\+json/)
    assert.equal((await order(5, p.id, 'k-5b')).statusCode, 201, 'a new key runs again')
  })

  test('a key is forgotten after 24 hours', async () => {
    await t.charge(6, 5_000)
    const token = await t.token(6)
    const send = async () =>
      t.call('POST', '/api/v1/points/users/6/charge', {
        token,
        body: { amount: 1_000 },
        headers: { 'idempotency-key': 'day' },
      })
    assert.equal((await send()).json().balance, 6_000)
    assert.equal((await send()).json().balance, 6_000)
    t.clock.advance(24 * HOUR + SECOND)
    await t.runtime.sweep()
    assert.equal((await send()).json().balance, 7_000)
  })

  test('a claim whose request died is taken over after a minute', async () => {
    await t.runtime.db
      .insertInto('idempotency_keys')
      .values({
        user_id: 7,
        scope: 'POST /api/v1/points/users/7/charge',
        idem_key: 'stuck',
        request_hash: 'x',
        state: 'IN_PROGRESS',
        status_code: null,
        response_body: null,
        created_at: t.clock.now(),
        expires_at: t.clock.now() + 24 * HOUR,
      })
      .execute()
    const send = async () =>
      t.call('POST', '/api/v1/points/users/7/charge', {
        token: await t.token(7),
        body: { amount: 1_000 },
        headers: { 'idempotency-key': 'stuck' },
      })
    assert.equal((await send()).json().code, 'IDEMPOTENCY_KEY_IN_PROGRESS')
    t.clock.advance(61 * SECOND)
    const taken = await send()
    assert.equal(taken.statusCode, 200, taken.body)
    assert.equal(taken.json().balance, 1_000)
  })

  test('a request whose claim was taken over does not store its answer over the new one', async () => {
    const id = { user_id: 8, scope: 'POST /test', idem_key: 'taken' }
    const claim = (token: string): Claim => ({
      ...id,
      request_hash: 'h',
      state: 'IN_PROGRESS',
      status_code: null,
      content_type: null,
      response_body: null,
      created_at: t.clock.now(),
      expires_at: t.clock.now() + HOUR,
      claim_token: token,
    })
    const db = t.runtime.db
    assert.equal(await claimKey(db, claim('first')), true)
    assert.equal(await claimKey(db, claim('second')), false)
    t.clock.advance(61 * SECOND)
    const seen = await findKey(db, id)
    assert.equal(await takeOverKey(db, claim('second'), Number(seen!.created_at)), true)
    await completeKey(db, claim('first'), { status: 500, contentType: 'text/plain', body: 'late' })
    assert.equal((await findKey(db, id))!.state, 'IN_PROGRESS', 'the late answer changed nothing')
    await completeKey(db, claim('second'), { status: 200, contentType: 'application/json', body: '{}' })
    assert.deepEqual(
      { ...(await findKey(db, id)) },
      {
        ...claim('second'),
        state: 'DONE',
        status_code: 200,
        content_type: 'application/json',
        response_body: '{}',
      },
    )
  })
})
