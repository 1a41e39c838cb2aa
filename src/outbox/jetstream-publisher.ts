import type { NatsHandle } from '../platform/nats/index.js'
import type { EventPublisher } from './bus.js'
import type { DomainEvent } from './events.js'

/**
 * Hands events to the JetStream stream with the event id as message id, so a publish repeated by
 * a relay that crashed before marking its batch (or by two relays after a lease expired) is stored
 * once. A batch goes out concurrently: one round trip per batch instead of one per event.
 */
export class JetStreamPublisher implements EventPublisher {
  constructor(
    private readonly nats: NatsHandle,
    /** In-process subscribers, told of each event once the broker has stored it. */
    private readonly local?: EventPublisher,
  ) {}

  async publish(event: DomainEvent): Promise<void> {
    const [outcome] = await this.publishMany([event])
    if (outcome !== true) throw outcome
  }

  async publishMany(events: DomainEvent[]): Promise<(true | Error)[]> {
    const { js } = this.nats.jetstream()
    const outcomes = await Promise.allSettled(
      events.map((event) =>
        js.publish(this.nats.subject(event.type), JSON.stringify(event), { msgID: event.id }),
      ),
    )
    const results = outcomes.map((o) => (o.status === 'fulfilled' ? true : (o.reason as Error)))
    if (this.local) {
      for (const [i, event] of events.entries()) if (results[i] === true) await this.local.publish(event)
    }
    return results
  }
}
