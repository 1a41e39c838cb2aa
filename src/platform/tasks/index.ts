import { setTimeout as wait } from 'node:timers/promises'

export interface BackgroundTaskOptions {
  /** How long `notify` waits before running, to gather more work into one run. */
  delayMs?: number
  /** Where a failed run is reported (the next notify or poll tries again). */
  onError?: (error: unknown) => void
}

/**
 * A piece of background work (relay the outbox, deliver to the data platform) that runs on demand
 * and on a poll timer, one run at a time: calls that arrive while a run is pending or in progress
 * fold into one more run, so under load each run moves a batch instead of one item per request.
 */
export class BackgroundTask {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly opts: BackgroundTaskOptions = {},
  ) {}

  /** Polls every `intervalMs` as a safety net (work written by another process, a failed run). */
  start(intervalMs: number): void {
    this.timer ??= setInterval(() => this.notify(), intervalMs)
    this.timer.unref()
  }

  /** Stops polling and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  notify(): void {
    if (this.running) {
      this.again = true
      return
    }
    const delay = this.opts.delayMs ? wait(this.opts.delayMs) : Promise.resolve()
    this.running = delay
      .then(() => this.run())
      .then(
        () => {},
        (error) => this.opts.onError?.(error),
      )
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.notify()
        }
      })
  }

  /** Resolves once no run is in progress, including the follow-up runs that notifications meanwhile asked for. */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }
}
export { Combiner, type CombinerOptions } from './combiner.js'
