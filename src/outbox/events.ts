/** Domain events that leave the service. Payloads are versioned by type name; add fields, never repurpose them. */
export type OrderEventType = 'order.placed' | 'order.paid' | 'order.cancelled' | 'order.expired'

export interface DomainEvent {
  /** Unique id; consumers de-duplicate on it. */
  id: string
  type: OrderEventType
  aggregateId: number
  occurredAt: string
  payload: Record<string, unknown>
}
