export interface CombinerOptions {
  /** Most items one write takes; the rest wait for the next. */
  maxBatch: number
  /**
   * Writes in flight at once. While they run, new items gather into the next batch; more in
   * flight would only split the same items into more, smaller writes.
   */
  maxConcurrent: number
  /** A failure that wrote nothing and may be written again as it is (up to 3 attempts in all). */
  retryable?: (error: unknown) => boolean
}

interface Queued<T, R> {
  item: T
  resolve(result: R): void
  reject(error: unknown): void
}

/**
 * Write combining: items added in one turn of the event loop are written together, after the
 * loop's I/O phase (so every request read in that turn joins), by one call of `write`, which
 * returns one result per item in order. A failed write is every caller's failure.
 */
export class Combiner<T, R> {
  private readonly queue: Queued<T, R>[] = []
  private running = 0
  private scheduled = false

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly opts: CombinerOptions,
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.opts.maxConcurrent || this.queue.length === 0) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      while (this.running < this.opts.maxConcurrent && this.queue.length > 0) {
        const batch = this.queue.splice(0, this.opts.maxBatch)
        this.running++
        void this.run(batch).finally(() => {
          this.running--
          this.schedule()
        })
      }
    })
  }

  private async run(batch: Queued<T, R>[]): Promise<void> {
    const items = batch.map((b) => b.item)
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.write(items)
        for (const [i, b] of batch.entries()) b.resolve(results[i]!)
        return
      } catch (error) {
        if (attempt < 3 && this.opts.retryable?.(error)) continue
        for (const b of batch) b.reject(error)
        return
      }
    }
  }
}
