/**
 * When a request reached the load balancer, from the `X-Request-Start` header it stamps (nginx:
 * `proxy_set_header X-Request-Start "t=${msec}";`, HAProxy and Heroku's router likewise).
 *
 * A server past what it can even read leaves requests waiting in socket buffers, where nothing in
 * the process sees them; by the time it reads one, its client may have waited seconds. Counting
 * the deadline from the process's first sight of a request, admission would serve that stale
 * request in full while fresh ones wait behind it, and in a sale the whole queue goes stale that
 * way (docs/benchmarks.md, "Overload protection"). With the balancer's stamp, admission knows how
 * long a request already waited and refuses one that waited too long at the door, for the price of
 * a refusal (hooks.ts, edge.ts), as rack-timeout's wait timeout and Heroku's router do.
 *
 * The header is believed only from a proxy `TRUST_PROXY` trusts (anyone else could make their
 * requests look fresh or stale at will); a stamp in the future (clocks apart) counts as now, and
 * one that is no time at all, or more than an hour off, is ignored.
 */
import type { IncomingMessage } from 'node:http'

/** The trusted-proxy test fastify uses (app.ts): address and hop, nearest first. */
export type TrustProxy = false | ((address: string, hop: number) => boolean)

const HOUR_MS = 3_600_000

/**
 * The header's time in epoch ms: `t=` followed by seconds (nginx's `${msec}`, with a fraction),
 * milliseconds, microseconds (Apache's `%t`) or nanoseconds, told apart by magnitude; or undefined.
 */
export function parseRequestStart(raw: string | string[] | undefined): number | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw
  if (value === undefined) return undefined
  const n = Number(value.startsWith('t=') ? value.slice(2) : value)
  if (!Number.isFinite(n) || n <= 0) return undefined
  // Whole milliseconds: a nanosecond stamp is past what a double holds exactly.
  if (n < 1e11) return Math.round(n * 1000)
  if (n < 1e14) return Math.round(n)
  if (n < 1e17) return Math.round(n / 1000)
  return Math.round(n / 1e6)
}

/**
 * A request's arrival (epoch ms): the trusted balancer's stamp, else now. Without trusted proxies
 * it is always now, and admission behaves as if the header did not exist.
 */
export function requestArrival(trust: TrustProxy, now: () => number): (req: IncomingMessage) => number {
  if (!trust) return () => now()
  return (req) => {
    const at = now()
    const raw = req.headers['x-request-start']
    if (raw === undefined || !trust(req.socket.remoteAddress ?? '', 0)) return at
    const start = parseRequestStart(raw)
    if (start === undefined || Math.abs(at - start) > HOUR_MS) return at
    return Math.min(at, start)
  }
}
