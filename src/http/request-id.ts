import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const SAFE = /^[\w\-.:]{1,128}$/

/** Keeps a caller's X-Request-Id when it is safe to log; otherwise makes one. */
export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && SAFE.test(given) ? given : randomUUID()
}
