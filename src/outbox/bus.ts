import type { DomainEvent, OrderEventType } from './events.js'

export type EventHandler = (event: DomainEvent) => Promise<void> | void

/** Where the relay hands events. In-process here; a broker-backed publisher stands behind the same seam. */
export interface EventPublisher {
  publish(event: DomainEvent): Promise<void>
  /** Publishes a batch at once when the publisher can; one outcome per event, in order. */
  publishMany?(events: DomainEvent[]): Promise<(true | Error)[]>
}

/**
 * Delivers events to in-process subscribers. A failing subscriber is reported and does not stop
 * the others: each subscriber owns its retries (the relay has already done its part).
 */
export class InProcessBus implements EventPublisher {
  private readonly handlers = new Map<string, EventHandler[]>()
  /** Where a failing subscriber is reported (set once the logger exists). */
  onHandlerError: (error: unknown, event: DomainEvent) => void = () => {}

  subscribe(types: OrderEventType[] | '*', handler: EventHandler): void {
    for (const type of types === '*' ? ['*'] : types) {
      this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler])
    }
  }

  async publish(event: DomainEvent): Promise<void> {
    const targets = [...(this.handlers.get(event.type) ?? []), ...(this.handlers.get('*') ?? [])]
    for (const handler of targets) {
      try {
        await handler(event)
      } catch (error) {
        this.onHandlerError(error, event)
      }
    }
  }
}
