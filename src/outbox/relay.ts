import { setTimeout as wait } from 'node:timers/promises'
import type { Clock } from '../platform/clock/index.js'
import type { Db } from '../platform/db/index.js'
import type { EventPublisher } from './bus.js'
import type { OrderEventType } from './events.js'

export interface RelayOptions {
  db: Db
  clock: Clock
  publisher: EventPublisher
  batchSize?: number
  pollIntervalMs?: number
  /** How long `notify` waits to gather more events into one drain. */
  coalesceMs?: number
  onError?: (error: unknown) => void
}

/**
 * Moves committed outbox rows to the publisher in id order, at least once: a row is marked
 * published only after the publisher accepted it. `notify()` after a commit makes delivery
 * near-immediate; the poll timer is the safety net (events written by another process, a failed publish).
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined
  private draining: Promise<number> | undefined
  private again = false
  private readonly batchSize: number

  constructor(private readonly opts: RelayOptions) {
    this.batchSize = opts.batchSize ?? 200
  }

  start(): void {
    this.timer ??= setInterval(() => this.notify(), this.opts.pollIntervalMs ?? 1000)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.draining
  }

  /**
   * Schedules a drain a few milliseconds out; calls arriving meanwhile (or while it runs) coalesce,
   * so under load each drain moves a batch instead of one event per order.
   */
  notify(): void {
    if (this.draining) {
      this.again = true
      return
    }
    this.draining = wait(this.opts.coalesceMs ?? 5)
      .then(() => this.drainAll())
      .catch((error) => {
        this.opts.onError?.(error)
        return 0
      })
      .finally(() => {
        this.draining = undefined
        if (this.again) {
          this.again = false
          this.notify()
        }
      })
  }

  /** Publishes everything pending now. Returns how many events were delivered. */
  async drainAll(): Promise<number> {
    let total = 0
    for (;;) {
      const n = await this.drainBatch()
      total += n
      if (n < this.batchSize) return total
    }
  }

  private async drainBatch(): Promise<number> {
    const { db, clock, publisher } = this.opts
    const rows = await db
      .selectFrom('outbox')
      .selectAll()
      .where('published_at', 'is', null)
      .orderBy('id')
      .limit(this.batchSize)
      .execute()
    const published: number[] = []
    try {
      for (const row of rows) {
        await publisher.publish({
          id: row.event_id,
          type: row.type as OrderEventType,
          aggregateId: Number(row.aggregate_id),
          occurredAt: new Date(Number(row.created_at)).toISOString(),
          payload: JSON.parse(row.payload),
        })
        published.push(row.id)
      }
    } finally {
      // One write for the batch; on a failed publish, what went out is still marked (the rest retries).
      if (published.length > 0) {
        await db
          .updateTable('outbox')
          .set({ published_at: clock.now() })
          .where('id', 'in', published)
          .execute()
      }
    }
    return published.length
  }

  /** Deletes published events older than `before` (the outbox is a queue, not an archive). */
  async purgePublished(before: number): Promise<number> {
    const result = await this.opts.db
      .deleteFrom('outbox')
      .where('published_at', 'is not', null)
      .where('published_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** Events not yet published (for readiness and metrics). */
  async backlog(): Promise<number> {
    const row = await this.opts.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('published_at', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
}
