/** A real node:http server on 127.0.0.1 for the tests, whose answers the test decides. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TinyServer {
  url: string
  requests: number
  close(): Promise<void>
}

export function startTinyServer(
  answer: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<TinyServer> {
  return new Promise((resolve) => {
    const state = { requests: 0 }
    const server = http.createServer((req, res) => answer(req, res, ++state.requests))
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        get requests() {
          return state.requests
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}
