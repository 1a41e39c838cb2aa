/**
 * A sale through failures: two instances whose Redis and NATS are killed mid-rush (private
 * servers on random ports) and whose MariaDB connections go through a proxy that adds latency and
 * cuts every connection. Afterwards the books balance, nothing was oversold, no request got a 500,
 * and every committed paid or cancelled order reached the data platform exactly once.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestDatabase, needsServices, type TestDatabase } from './testing/backend.js'
import { type FaultProxy, startFaultProxy } from './testing/fault-proxy.js'
import { type Answer, call, eventually, tally, tokenFor, withDatabase } from './testing/fleet.js'
import { TEST_SECRET } from './testing/harness.js'
import { assertInvariants } from './testing/invariants.js'
import {
  type Instance,
  type PrivateServer,
  startInstance,
  startNats,
  startRedis,
} from './testing/processes.js'
import { type Receiver, startReceiver } from './testing/receiver.js'

// Redis and NATS are private servers the test starts (and kills); only MariaDB is shared.
const needsMysql = needsServices('mysql')

const STOCK = 250
const USERS = 200

describe('a sale through Redis, NATS and database failures', needsMysql, () => {
  let database: TestDatabase
  let proxy: FaultProxy
  let redis: PrivateServer
  let nats: PrivateServer
  let receiver: Receiver
  let a: Instance
  let b: Instance
  before(async () => {
    database = await createTestDatabase()
    const target = new URL(database.url)
    proxy = await startFaultProxy(target.hostname, Number(target.port || 3306))
    ;[redis, nats, receiver] = await Promise.all([startRedis(), startNats(), startReceiver()])
    const env = {
      DATABASE_URL: database.url.replace(target.host, proxy.address),
      JWT_SECRET: TEST_SECRET,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      DATA_PLATFORM_URL: receiver.url,
    }
    a = await startInstance(env)
    b = await startInstance(env)
  })
  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), redis?.stop('SIGKILL'), nats?.stop('SIGKILL')])
    await Promise.all([receiver?.close(), proxy?.close()])
    await database?.drop()
  })

  test('nothing oversold, no 500, every paid and cancelled order delivered once', async (t) => {
    const t0 = Date.now()
    const mark = (what: string) => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`)
    const admin = await tokenFor(9000, 'admin')
    const product = await call(a.base, 'POST', '/api/v1/admin/products', {
      token: admin,
      body: { name: 'Hot', price: 1_000, stock: STOCK },
    })
    const productId = product.body['id']
    const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => tokenFor(i + 1)))
    const instance = (i: number) => (i % 2 === 0 ? a : b)
    const charged = await Promise.all(
      tokens.map((token, i) =>
        call(instance(i).base, 'POST', `/api/v1/points/users/${i + 1}/charge`, {
          token,
          body: { amount: 100_000 },
        }),
      ),
    )
    assert.deepEqual(tally(charged), { 200: USERS })

    const answers: Answer[] = []
    const rush = async (n: number, payment?: 'LATER') => {
      const batch = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          call(instance(i).base, 'POST', '/api/v1/orders', {
            token: tokens[i % USERS]!,
            body: {
              userId: (i % USERS) + 1,
              items: [{ productId, quantity: 1 }],
              ...(payment ? { payment } : {}),
            },
          }),
        ),
      )
      answers.push(...batch)
      return batch
    }

    await rush(100) // everything up
    await redis.stop('SIGKILL')
    await rush(60) // no Redis: gates open, cache bypassed
    await nats.stop('SIGKILL')
    proxy.latencyMs = 20
    const slow = rush(60, 'LATER') // no NATS, a slow database link...
    setTimeout(() => mark(`cut ${proxy.dropAll()} database connections`), 30) // ...in the middle of the rush
    const later = await slow
    proxy.latencyMs = 0
    ;[nats, redis] = await Promise.all([nats.restart(), redis.restart()])
    // Cancel what was placed to pay later (order.cancelled), then sell out.
    for (const [i, order] of later.entries()) {
      if (order.status !== 201) continue
      const res = await call(instance(i).base, 'POST', `/api/v1/orders/${order.body['id']}/cancel`, {
        token: tokens[i % USERS]!,
      })
      answers.push(res)
    }
    await rush(200)

    const counts = tally(answers)
    mark(`answers ${JSON.stringify(counts)}`)
    const unexpected = Object.keys(counts).filter((s) => !['200', '201', '409', '503'].includes(s))
    assert.deepEqual(
      unexpected,
      [],
      `every answer is a success, a refusal or a 503: ${JSON.stringify(counts)}`,
    )

    await withDatabase(database.url, async (db) => {
      await assertInvariants(db)
      const sold = await db
        .selectFrom('orders')
        .select(db.fn.countAll<number>().as('n'))
        .where('status', '=', 'PAID')
        .executeTakeFirstOrThrow()
      assert.ok(Number(sold.n) <= STOCK, `sold ${sold.n} of ${STOCK}`)

      // Every committed paid/cancelled event reaches the data platform exactly once.
      const events = await db
        .selectFrom('outbox')
        .select('event_id')
        .where('type', 'in', ['order.paid', 'order.cancelled'])
        .execute()
      const ids = new Set(events.map((e) => e.event_id))
      let last = -1
      await eventually(
        'every event at the data platform',
        async () => {
          const n = receiver.accepted.size
          if (n !== last) mark(`${n} of ${ids.size} events at the data platform`)
          last = n
          return n >= ids.size
        },
        90_000,
      )
      mark(`${ids.size} events delivered`)
      assert.equal(receiver.accepted.size, ids.size)
      for (const [id, times] of receiver.accepted) {
        assert.ok(ids.has(id), `${id} was never committed`)
        assert.equal(times, 1, `${id} arrived ${times} times`)
      }
    })
  })
})
