/**
 * A real HTTP server standing in for the data platform in tests: it records every POST (by the
 * Idempotency-Key the sink sends) and answers as the test says (a status, or no answer at all).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Receiver {
  url: string
  /** Every accepted (2xx) delivery, by event id: how many times each arrived. */
  accepted: Map<string, number>
  /** Every request received, accepted or not. */
  requests: number
  /** How to answer the next requests: a status code, or 'hang' (never answer until released). */
  respond: number | 'hang'
  /** Answers every hanging request with 503 and stops hanging. */
  release(): void
  /** Resolves once `n` distinct events were accepted (or rejects after `timeoutMs`). */
  waitForAccepted(n: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startReceiver(): Promise<Receiver> {
  const hanging = new Set<http.ServerResponse>()
  const waiters: { n: number; resolve: () => void }[] = []
  const receiver: Receiver = {
    url: '',
    accepted: new Map(),
    requests: 0,
    respond: 200,
    release() {
      this.respond = 503
      for (const res of hanging) res.writeHead(503).end()
      hanging.clear()
    },
    waitForAccepted(n, timeoutMs = 10_000) {
      if (this.accepted.size >= n) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${this.accepted.size} of ${n} events arrived`)),
          timeoutMs,
        )
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        })
      })
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      receiver.requests++
      if (receiver.respond === 'hang') {
        hanging.add(res)
        return
      }
      const status = receiver.respond
      if (status >= 200 && status < 300) {
        const id = String(req.headers['idempotency-key'])
        receiver.accepted.set(id, (receiver.accepted.get(id) ?? 0) + 1)
        for (const w of waiters.filter((w) => receiver.accepted.size >= w.n)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve()
        }
      }
      res.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`
  return receiver
}
