/**
 * The part of autocannon 9's programmatic API the benchmarks use (the package ships no types and
 * there is no @types package in the lock file). See node_modules/autocannon/README.md.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  namespace autocannon {
    interface Request {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string | Buffer
      /** Returns the request to send (or a falsy value to restart the sequence). */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request | undefined
    }

    interface Client extends EventEmitter {
      setHeaders(headers: Record<string, string> | undefined): void
      setBody(body: string | Buffer | undefined): void
      setHeadersAndBody(headers: Record<string, string> | undefined, body: string | Buffer | undefined): void
      /**
       * Internal counters (lib/httpClient.js, not part of the documented API): requests written on
       * this connection, and the cap after which the client stops and reports `done`. The load
       * helper lowers the cap to drain connections gracefully at the end of a timed run.
       */
      reqsMade: number
      responseMax: number | undefined
      destroyed: boolean
    }

    interface Options {
      url: string
      connections?: number
      /** Seconds. */
      duration?: number
      amount?: number
      /** Seconds before a request counts as timed out. */
      timeout?: number
      pipelining?: number
      method?: string
      headers?: Record<string, string>
      body?: string | Buffer
      requests?: Request[]
      setupClient?: (client: Client) => void
      excludeErrorStats?: boolean
    }

    interface Histogram {
      average: number
      mean: number
      stddev: number
      min: number
      max: number
      total: number
      p50: number
      p90: number
      p97_5: number
      p99: number
      p99_9: number
    }

    interface Result {
      url: string
      requests: Histogram
      latency: Histogram
      throughput: Histogram
      /** Seconds, measured to autocannon's next 1 s sampling tick. */
      duration: number
      errors: number
      timeouts: number
      mismatches: number
      non2xx: number
      '2xx': number
      statusCodeStats: Record<string, { count: number }>
      start: Date
      finish: Date
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void
    }
  }

  function autocannon(opts: autocannon.Options): autocannon.Instance

  export = autocannon
}
