import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
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
 * Raw SQL: hot path (platform/db/raw.ts).
 */
export async function appendEvents(trx: Db, now: number, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return
  const rows = events.map(
    (e) => sql`(${randomUUID()}, ${e.type}, ${e.aggregateId}, ${JSON.stringify(e.payload)}, ${now})`,
  )
  await sql`insert into outbox (event_id, type, aggregate_id, payload, created_at) values ${sql.join(rows)}`.execute(
    trx,
  )
}
