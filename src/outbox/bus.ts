import type { DomainEvent, OrderEventType } from './events.js'

export type EventHandler = (event: DomainEvent) => Promise<void> | void

/** Where the relay hands events. In-process here; a broker-backed publisher stands behind the same seam. */
export interface EventPublisher {
  publish(event: DomainEvent): Promise<void>
  /** Publishes a batch at once when the publisher can; one outcome per event, in order. */
  publishMany?(events: DomainEvent[]): Promise<(true | Error)[]>
}

interface Subscription {
  handler: EventHandler
  durable: boolean
}

/**
 * Delivers events to in-process subscribers. A failing subscriber is reported and does not stop
 * the others. A `durable` subscriber's failure also fails the publish, so the relay keeps the
 * event in the outbox and offers it again later (the other subscribers then see it twice and
 * de-duplicate on the event id); other subscribers own their retries.
 */
export class InProcessBus implements EventPublisher {
  private readonly handlers = new Map<string, Subscription[]>()
  /** Where a failing subscriber is reported (set once the logger exists). */
  onHandlerError: (error: unknown, event: DomainEvent) => void = () => {}

  subscribe(
    types: readonly OrderEventType[] | '*',
    handler: EventHandler,
    opts: { durable?: boolean } = {},
  ): void {
    for (const type of types === '*' ? ['*'] : types) {
      this.handlers.set(type, [
        ...(this.handlers.get(type) ?? []),
        { handler, durable: opts.durable === true },
      ])
    }
  }

  async publish(event: DomainEvent): Promise<void> {
    const targets = [...(this.handlers.get(event.type) ?? []), ...(this.handlers.get('*') ?? [])]
    let failure: unknown
    for (const { handler, durable } of targets) {
      try {
        await handler(event)
      } catch (error) {
        this.onHandlerError(error, event)
        if (durable) failure ??= error
      }
    }
    if (failure !== undefined) throw failure
  }
}
