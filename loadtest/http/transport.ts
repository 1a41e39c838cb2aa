/**
 * The hot send path: undici's Pool driven through `dispatch` with a bare handler, so a request
 * costs no stream or promise. The body is kept only when a journey step needs to read it.
 */
import { Pool } from 'undici'
import type { FailureKind } from '../stats/index.js'

export interface OutgoingRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
  /** Keep the response body (the step reads an id from it). */
  wantBody: boolean
}

export type Answer =
  | {
      kind: 'response'
      status: number
      body: string | undefined
      /** The server marked the answer as its last good one, not a fresh one (`Floodgate-Stale`). */
      stale: boolean
      /** `Retry-After`, on a refusal (429/503) that carried one. */
      retryAfter?: string
    }
  | { kind: 'failure'; failure: FailureKind; message: string }

export interface Transport {
  send(request: OutgoingRequest, done: (answer: Answer) => void): void
  close(): Promise<void>
}

export interface TransportOptions {
  target: string
  /** Most sockets the pool may open. */
  connections: number
  /** No answer (headers or body) within this long: a `timeout` failure. */
  timeoutMs: number
}

/** Maps undici's and the OS's error codes to the kinds the report counts apart. */
export function classifyFailure(error: unknown): FailureKind {
  const code = (error as { code?: string }).code ?? ''
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'reset'
  if (code === 'ECONNREFUSED') return 'refused'
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  )
    return 'timeout'
  return 'other'
}

/** Floodgate's mark on a degraded answer: served from its last good answer while overloaded. */
const STALE_HEADER = 'floodgate-stale'

export function createTransport(opts: TransportOptions): Transport {
  const url = new URL(opts.target)
  const pool = new Pool(url.origin, {
    connections: opts.connections,
    pipelining: 1,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    connectTimeout: opts.timeoutMs,
    keepAliveTimeout: 60_000,
  })
  const prefix = url.pathname.replace(/\/$/, '')
  return {
    send(request, done) {
      let status = 0
      let stale = false
      let retryAfter: string | undefined
      let chunks: Buffer[] | undefined
      let finished = false
      const finish = (answer: Answer) => {
        if (finished) return
        finished = true
        done(answer)
      }
      pool.dispatch(
        {
          origin: url.origin,
          method: request.method as 'GET',
          path: prefix + request.path,
          headers: request.headers,
          body: request.body ?? null,
        },
        {
          // undici 8 insists on the full handler shape, even when there is nothing to do here.
          onRequestStart() {},
          onResponseStart(_controller, statusCode, headers) {
            status = statusCode
            stale = headers[STALE_HEADER] !== undefined
            if (statusCode === 429 || statusCode === 503) {
              const value = headers['retry-after']
              retryAfter = Array.isArray(value) ? value[0] : value
            }
            if (request.wantBody) chunks = []
          },
          onResponseData(_controller, chunk) {
            chunks?.push(chunk)
          },
          onResponseEnd() {
            finish({
              kind: 'response',
              status,
              body: chunks && Buffer.concat(chunks).toString('utf8'),
              stale,
              ...(retryAfter !== undefined ? { retryAfter } : {}),
            })
          },
          onResponseError(_controller, error) {
            finish({ kind: 'failure', failure: classifyFailure(error), message: error.message })
          },
        },
      )
    },
    // Called after the drain: whatever is still open is abandoned, not awaited.
    close: () => pool.destroy(),
  }
}
