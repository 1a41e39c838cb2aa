import type { Clock } from '../platform/clock/index.js'
import type { Db, DeliveryRow } from '../platform/db/index.js'
import { BackgroundTask } from '../platform/tasks/index.js'
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff.js'
import { claimDue, type Outcome, recordOutcome } from './deliveries.js'

export interface SinkOptions {
  db: Db
  clock: Clock
  /** Where events are POSTed. */
  url: string
  /** Attempts before a delivery is parked in the dead-letter store. */
  maxAttempts: number
  /** A POST not answered within this is a failed attempt. */
  timeoutMs: number
  /** Deliveries in flight at once (a dead data platform holds at most this many sockets). */
  concurrency?: number
  backoff?: BackoffPolicy
  random?: () => number
  pollIntervalMs?: number
  onError?: (error: unknown) => void
  onOutcome?: (outcome: Outcome['kind']) => void
}

const BATCH = 64
const RECORD_ATTEMPTS = 5

/**
 * Sends recorded events to the data platform: one POST per event (JSON body, `Idempotency-Key` =
 * event id, so the receiver can drop the rare repeat after a crash between its answer and our
 * record of it). 2xx is delivered; a timeout, a network error, 408, 429 or 5xx is retried with
 * backoff and full jitter; any other 4xx would never succeed and is parked at once, as is a
 * delivery that failed `maxAttempts` times. Runs on its own timers, away from every request path:
 * a slow or dead data platform never slows or fails an order.
 */
export class DataPlatformSink {
  private readonly task: BackgroundTask

  constructor(private readonly opts: SinkOptions) {
    this.task = new BackgroundTask(() => this.pass(), opts.onError ? { onError: opts.onError } : {})
  }

  start(): void {
    this.task.start(this.opts.pollIntervalMs ?? 1_000)
  }

  stop(): Promise<void> {
    return this.task.stop()
  }

  /** Starts a pass soon; calls while one runs fold into one more pass. */
  notify(): void {
    this.task.notify()
  }

  /**
   * Waits for a pass in flight, then attempts every delivery due now (tests, the replay CLI).
   * Resolves to how many were attempted.
   */
  async flush(): Promise<number> {
    await this.task.idle()
    return this.pass()
  }

  private async pass(): Promise<number> {
    let total = 0
    for (;;) {
      const now = this.opts.clock.now()
      // A claim outlives the attempt's timeout; one whose outcome could not be recorded (the
      // database dropped us) is free again soon after.
      const lease = 2 * this.opts.timeoutMs + 5_000
      const { claim, rows } = await claimDue(this.opts.db, now, now + lease, BATCH)
      total += rows.length
      await runLimited(rows, this.opts.concurrency ?? 8, (row) => this.attempt(row, claim))
      if (rows.length < BATCH) return total
    }
  }

  private async attempt(row: DeliveryRow, claim: string): Promise<void> {
    const { db, clock } = this.opts
    const outcome = this.judge(row, await this.post(row))
    // Once the data platform has the event, losing the record of it means sending it again when
    // the claim expires: ride out a dropped connection before giving up on the record.
    for (let attempt = 1; ; attempt++) {
      try {
        await recordOutcome(db, row, claim, outcome, clock.now())
        break
      } catch (error) {
        if (attempt >= RECORD_ATTEMPTS) throw error
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt))
      }
    }
    this.opts.onOutcome?.(outcome.kind)
  }

  private judge(row: DeliveryRow, result: { status?: number; error: string }): Outcome {
    const { status, error } = result
    if (status !== undefined && status >= 200 && status < 300) return { kind: 'delivered' }
    const permanent =
      status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429
    const attempts = row.attempts + 1
    if (permanent || attempts >= this.opts.maxAttempts) return { kind: 'park', error }
    const delay = backoffDelay(attempts, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random)
    return { kind: 'retry', error, at: this.opts.clock.now() + delay }
  }

  private async post(row: DeliveryRow): Promise<{ status?: number; error: string }> {
    try {
      const response = await fetch(this.opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': row.event_id,
          'x-floodgate-event-type': row.type,
        },
        body: row.body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      })
      await response.body?.cancel()
      return { status: response.status, error: `HTTP ${response.status}` }
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code
      return { error: cause ?? (error as Error).name ?? 'request failed' }
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
