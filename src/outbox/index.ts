export { appendEvents, type NewEvent } from './append.js'
export { type EventHandler, type EventPublisher, InProcessBus } from './bus.js'
export type { DomainEvent, OrderEventType } from './events.js'
export { OutboxRelay } from './relay.js'
