import { randomUUID } from 'node:crypto'
import type { Db } from '../platform/db/index.js'
import type { OrderEventType } from './events.js'

export interface NewEvent {
  type: OrderEventType
  aggregateId: number
  payload: Record<string, unknown>
}

/**
 * Writes events into the outbox. Call it with the transaction that makes the state change, so the
 * change and its events commit or vanish together; the relay delivers them afterwards.
 */
export async function appendEvents(trx: Db, now: number, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return
  await trx
    .insertInto('outbox')
    .values(
      events.map((e) => ({
        event_id: randomUUID(),
        type: e.type,
        aggregate_id: e.aggregateId,
        payload: JSON.stringify(e.payload),
        created_at: now,
        published_at: null,
      })),
    )
    .execute()
}
