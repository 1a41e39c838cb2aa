import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock, SECOND } from '../platform/clock/index.js'
import { connectDatabase, type DatabaseHandle, transact } from '../platform/db/index.js'
import { createTestDatabase, type TestDatabase } from '../testing/backend.js'
import { appendEvents } from './append.js'
import type { DomainEvent } from './events.js'
import { OutboxRelay } from './relay.js'

describe('outbox relay with several instances', () => {
  let database: TestDatabase
  let handle: DatabaseHandle
  const clock = new ManualClock()
  before(async () => {
    database = await createTestDatabase()
    handle = connectDatabase(database.url)
    await handle.migrate()
  })
  after(async () => {
    await handle.close()
    await database.drop()
  })

  const relay = (seen: string[], broker: 'up' | 'down' | 'hangs' = 'up') =>
    new OutboxRelay({
      db: handle.db,
      clock,
      batchSize: 25,
      lockRows: handle.dialect === 'mysql',
      publisher: {
        publish: async (e: DomainEvent) => {
          if (broker === 'down') throw new Error('broker down')
          if (broker === 'hangs') await new Promise(() => {}) // the relay dies here, holding its claim
          seen.push(e.id)
        },
      },
    })
  const append = (n: number) =>
    transact(handle.db, (trx) =>
      appendEvents(
        trx,
        clock.now(),
        Array.from({ length: n }, (_, i) => ({
          type: 'order.placed' as const,
          aggregateId: i + 1,
          payload: { i },
        })),
      ),
    )

  test('three relays draining at once publish every event exactly once', async () => {
    await append(300)
    const seen: string[][] = [[], [], []]
    const relays = seen.map((s) => relay(s))
    await Promise.all(relays.flatMap((r) => [r.drainAll(), r.drainAll()]))
    const all = seen.flat()
    assert.equal(all.length, 300)
    assert.equal(new Set(all).size, 300)
    assert.equal(await relays[0]!.backlog(), 0)
  })

  test("a relay that dies holding a claim is taken over once the claim's lease ends", async () => {
    await append(10)
    void relay([], 'hangs').drainAll()
    // Wait until it has claimed (it is then stuck publishing).
    const claimed = () =>
      handle.db
        .selectFrom('outbox')
        .select('id')
        .where('claimed_by', 'is not', null)
        .where('published_at', 'is', null)
        .execute()
    while ((await claimed()).length === 0) await new Promise((resolve) => setImmediate(resolve))
    const survivor: string[] = []
    const other = relay(survivor)
    assert.equal(await other.drainAll(), 0, 'the claim still holds')
    clock.advance(31 * SECOND)
    assert.equal(await other.drainAll(), 10)
    assert.equal(new Set(survivor).size, 10)
  })
  test('a relay whose broker refuses gives its claim back: another relay publishes at once', async () => {
    await append(10)
    await assert.rejects(relay([], 'down').drainAll(), /broker down/)
    const other: string[] = []
    assert.equal(await relay(other).drainAll(), 10)
    assert.equal(new Set(other).size, 10)
  })
})
