import assert from 'node:assert/strict'
import { after, afterEach, before, beforeEach, describe, test } from 'node:test'
import { SECOND } from '../platform/clock/index.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { type Receiver, startReceiver } from '../testing/receiver.js'
import { listParked, requeueParked } from './index.js'

const MAX_ATTEMPTS = 3

describe('delivery of order events to the data platform', () => {
  let t: TestApp
  let receiver: Receiver
  let product: { id: number }
  beforeEach(async () => {
    receiver = await startReceiver()
    t = await startTestApp({
      DATA_PLATFORM_URL: receiver.url,
      DATA_PLATFORM_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    })
    // With NATS the durable consumer records events; on the embedded default the bus does.
    t.runtime.dataPlatform!.start()
    product = await t.createProduct({ stock: 100 })
    await t.charge(1, 1_000_000)
  })
  afterEach(async () => {
    await t.close()
    await receiver.close()
  })

  const buy = async (payment?: 'LATER') => {
    const res = await t.call('POST', '/api/v1/orders', {
      token: await t.token(1),
      body: { userId: 1, items: [{ productId: product.id, quantity: 1 }], ...(payment ? { payment } : {}) },
    })
    assert.equal(res.statusCode, 201, res.body)
    return res.json() as { id: number }
  }
  const cancel = async (id: number) => {
    const res = await t.call('POST', `/api/v1/orders/${id}/cancel`, { token: await t.token(1) })
    assert.equal(res.statusCode, 200, res.body)
  }
  const sink = () => t.runtime.dataPlatform!.sink
  /** Relays the outbox and waits until `n` deliveries are recorded (the consumer may lag the relay). */
  const recorded = async (n: number) => {
    await t.runtime.relay.flush()
    for (let i = 0; i < 200; i++) {
      const row = await t.runtime.db
        .selectFrom('data_platform_deliveries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      if (Number(row.n) >= n) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    assert.fail(`fewer than ${n} deliveries were recorded`)
  }

  test('paid and cancelled orders arrive once each; an order only placed (pay later) does not', async () => {
    const paid = await buy()
    const toCancel = await buy()
    await cancel(toCancel.id)
    await buy('LATER') // order.placed only
    await recorded(3)
    await sink().flush()
    await receiver.waitForAccepted(3)
    assert.equal(receiver.accepted.size, 3)
    assert.ok([...receiver.accepted.values()].every((n) => n === 1))
    const types = await t.runtime.db
      .selectFrom('data_platform_deliveries')
      .select(['type', 'status', 'body'])
      .execute()
    assert.deepEqual(types.map((r) => r.type).sort(), ['order.cancelled', 'order.paid', 'order.paid'])
    assert.ok(types.every((r) => r.status === 'DELIVERED'))
    assert.ok(types.some((r) => JSON.parse(r.body).aggregateId === paid.id))

    // A second pass, a relay replay or a redelivered message sends nothing again.
    await t.runtime.relay.flush()
    await sink().flush()
    assert.equal(receiver.requests, 3)
  })

  test('failures are retried with backoff, parked after the last attempt, and replayed from the dead-letter store', async () => {
    receiver.respond = 500
    await buy()
    await recorded(1)
    await sink().flush()
    assert.equal(receiver.requests, 1)
    await sink().flush()
    assert.equal(receiver.requests, 1, 'not due again before its backoff has passed')
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      t.clock.advance(10 * 60 * SECOND) // past any backoff of these attempts
      await sink().flush()
      assert.equal(receiver.requests, attempt)
    }
    const parked = await listParked(t.runtime.db)
    assert.equal(parked.length, 1)
    assert.equal(parked[0]!.attempts, MAX_ATTEMPTS)
    assert.equal(parked[0]!.last_error, 'HTTP 500')
    t.clock.advance(60 * 60 * SECOND)
    await sink().flush()
    assert.equal(receiver.requests, MAX_ATTEMPTS, 'a parked event waits for a person')

    receiver.respond = 204
    assert.equal(await requeueParked(t.runtime.db, t.clock.now()), 1)
    await sink().flush()
    assert.equal(receiver.accepted.size, 1)
    assert.deepEqual(await listParked(t.runtime.db), [])
  })

  test('a 4xx other than 408/429 can never succeed: parked at once', async () => {
    receiver.respond = 422
    await buy()
    await recorded(1)
    await sink().flush()
    const parked = await listParked(t.runtime.db)
    assert.equal(parked.length, 1)
    assert.equal(parked[0]!.attempts, 1)
  })

  test('a data platform that never answers does not hold up orders', async () => {
    receiver.respond = 'hang'
    await buy()
    await recorded(1)
    const pass = sink().flush() // its POST hangs
    while (receiver.requests === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    // While the delivery hangs, checkout goes on: orders are placed, paid and cancelled.
    for (let i = 0; i < 5; i++) await cancel((await buy()).id)
    receiver.release()
    await pass
    const pending = await t.runtime.db
      .selectFrom('data_platform_deliveries')
      .select('status')
      .where('status', '=', 'PENDING')
      .execute()
    assert.ok(pending.length >= 1, 'the hung delivery is retried later, not lost')
    await t.invariants()
  })

  test('two sinks (two instances) over one database send each event once', async () => {
    for (let i = 0; i < 40; i++) await buy()
    await recorded(40)
    const { DataPlatformSink } = await import('./index.js')
    const other = new DataPlatformSink({
      db: t.runtime.db,
      clock: t.clock,
      url: receiver.url,
      maxAttempts: MAX_ATTEMPTS,
      timeoutMs: 5_000,
    })
    await Promise.all([sink().flush(), other.flush(), sink().flush(), other.flush()])
    assert.equal(receiver.accepted.size, 40)
    assert.equal(receiver.requests, 40, 'no event was sent twice')
  })
})

describe('without DATA_PLATFORM_URL', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())
  test('nothing is recorded for delivery', async () => {
    assert.equal(t.runtime.dataPlatform, undefined)
  })
})
