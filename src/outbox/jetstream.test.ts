import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { connectNats, type NatsHandle, waitUntilReady } from '../platform/nats/index.js'
import { createTestServices, needsServices, type TestServices } from '../testing/backend.js'
import type { DomainEvent } from './events.js'
import { JetStreamConsumer } from './jetstream-consumer.js'
import { JetStreamPublisher } from './jetstream-publisher.js'

const needsNats = needsServices('nats')

const event = (type: DomainEvent['type'], aggregateId: number): DomainEvent => ({
  id: randomUUID(),
  type,
  aggregateId,
  occurredAt: new Date(0).toISOString(),
  payload: { orderId: aggregateId },
})

async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('JetStream publisher and durable consumer', needsNats, () => {
  let services: TestServices
  let nats: NatsHandle
  before(async () => {
    services = await createTestServices()
    nats = connectNats({
      url: services.env['NATS_URL']!,
      stream: services.env['NATS_STREAM']!,
      subjectPrefix: services.env['NATS_SUBJECT_PREFIX']!,
    })
    await waitUntilReady(nats)
    assert.ok(nats.ready())
  })
  after(async () => {
    await nats?.close()
    await services?.drop()
  })

  test('a re-published event id is stored once; two instances of one durable share the events', async () => {
    const local: string[] = []
    const publisher = new JetStreamPublisher(nats, { publish: async (e) => void local.push(e.id) })
    const events = Array.from({ length: 100 }, (_, i) => event(i % 2 ? 'order.paid' : 'order.placed', i))
    assert.ok((await publisher.publishMany(events)).every((o) => o === true))
    // A relay that crashed before marking its batch publishes it again: the stream keeps one copy.
    assert.ok((await publisher.publishMany(events)).every((o) => o === true))
    const info = await nats.jetstream().jsm.streams.info(nats.options.stream)
    assert.equal(info.state.messages, 100)
    assert.equal(local.length, 200, 'local subscribers hear each publish (they de-duplicate on id)')

    const seen = new Map<string, number>()
    const handledBy = [0, 0]
    let failOnce = true
    const consumers = [0, 1].map(
      (i) =>
        new JetStreamConsumer({
          nats,
          durable: 'data-platform-test',
          types: ['order.paid'],
          onError: (err) => console.log('ERR', i, (err as Error).message),
          handle: async (e) => {
            if (failOnce) {
              failOnce = false
              throw new Error('sink briefly unavailable') // redelivered, not lost
            }
            seen.set(e.id, (seen.get(e.id) ?? 0) + 1)
            handledBy[i]! += 1
          },
        }),
    )
    for (const c of consumers) c.start()
    try {
      await until(() => seen.size === 50, 'all 50 paid events')
      await new Promise((resolve) => setTimeout(resolve, 200)) // a duplicate would show up meanwhile
      assert.equal(seen.size, 50, 'only the filtered type')
      assert.ok(
        [...seen.values()].every((n) => n === 1),
        'each event handled once',
      )
      const paidIds = new Set(events.filter((e) => e.type === 'order.paid').map((e) => e.id))
      assert.ok([...seen.keys()].every((id) => paidIds.has(id)))
    } finally {
      await Promise.all(consumers.map((c) => c.stop()))
    }
  })
})
