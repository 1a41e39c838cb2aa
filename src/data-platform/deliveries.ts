import { randomUUID } from 'node:crypto'
import type { DomainEvent } from '../outbox/index.js'
import { type Db, type DeliveryRow, isUniqueViolation } from '../platform/db/index.js'

/** The event types the data platform receives. */
export const DATA_PLATFORM_EVENTS = ['order.paid', 'order.cancelled'] as const

/**
 * Records an event for delivery, once: a second call with the same event id (a redelivered
 * message, a relay retry) changes nothing. Resolves only once the row is stored, so the caller may
 * acknowledge its source.
 */
export async function enqueueDelivery(db: Db, event: DomainEvent, now: number): Promise<void> {
  try {
    await db
      .insertInto('data_platform_deliveries')
      .values({
        event_id: event.id,
        type: event.type,
        body: JSON.stringify(event),
        status: 'PENDING',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
      })
      .execute()
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
  }
}

/**
 * Reserves up to `limit` due deliveries under a new claim id until `until`. The reservation is
 * one conditional UPDATE (a row already held by a live claim is skipped), so two passes or two
 * instances never send the same row at once, on SQLite and MySQL alike, without holding locks.
 */
export async function claimDue(
  db: Db,
  now: number,
  until: number,
  limit: number,
): Promise<{ claim: string; rows: DeliveryRow[] }> {
  const claim = randomUUID()
  const due = await db
    .selectFrom('data_platform_deliveries')
    .select('event_id')
    .where('status', '=', 'PENDING')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute()
  if (due.length === 0) return { claim, rows: [] }
  await db
    .updateTable('data_platform_deliveries')
    .set({ claimed_by: claim, claimed_until: until })
    .where(
      'event_id',
      'in',
      due.map((r) => r.event_id),
    )
    .where('status', '=', 'PENDING')
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .execute()
  const rows = await db
    .selectFrom('data_platform_deliveries')
    .selectAll()
    .where('claimed_by', '=', claim)
    .where('status', '=', 'PENDING')
    .execute()
  return { claim, rows }
}

export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; error: string; at: number }
  | { kind: 'park'; error: string }

/** Records how an attempt went; only the claim's holder may (a claim taken over after expiry loses). */
export async function recordOutcome(
  db: Db,
  row: DeliveryRow,
  claim: string,
  outcome: Outcome,
  now: number,
): Promise<void> {
  const common = { attempts: row.attempts + 1, claimed_by: null, claimed_until: null }
  const change =
    outcome.kind === 'delivered'
      ? { ...common, status: 'DELIVERED' as const, finished_at: now, last_error: null }
      : outcome.kind === 'park'
        ? { ...common, status: 'PARKED' as const, finished_at: now, last_error: outcome.error.slice(0, 500) }
        : { ...common, next_attempt_at: outcome.at, last_error: outcome.error.slice(0, 500) }
  await db
    .updateTable('data_platform_deliveries')
    .set(change)
    .where('event_id', '=', row.event_id)
    .where('claimed_by', '=', claim)
    .execute()
}

/** The dead-letter store: deliveries given up on, oldest first. */
export function listParked(db: Db, limit = 100): Promise<DeliveryRow[]> {
  return db
    .selectFrom('data_platform_deliveries')
    .selectAll()
    .where('status', '=', 'PARKED')
    .orderBy('finished_at')
    .limit(limit)
    .execute()
}

/** Puts parked deliveries (all, or the named ones) back in line with a fresh attempt count. */
export async function requeueParked(db: Db, now: number, eventIds?: string[]): Promise<number> {
  let query = db
    .updateTable('data_platform_deliveries')
    .set({ status: 'PENDING', attempts: 0, next_attempt_at: now, finished_at: null, claimed_until: null })
    .where('status', '=', 'PARKED')
  if (eventIds) {
    if (eventIds.length === 0) return 0
    query = query.where('event_id', 'in', eventIds)
  }
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Counts by status, for readiness and metrics. */
export async function deliveryCounts(db: Db): Promise<Record<'pending' | 'parked', number>> {
  const rows = await db
    .selectFrom('data_platform_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['PENDING', 'PARKED'])
    .groupBy('status')
    .execute()
  const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0)
  return { pending: count('PENDING'), parked: count('PARKED') }
}
