/**
 * A TCP proxy between the application and its database that injects faults on command: added
 * latency on every chunk, every open connection cut at once, or new connections refused.
 */
import net from 'node:net'

export interface FaultProxy {
  /** host:port to connect to instead of the target. */
  address: string
  /** Delay added to every chunk in both directions. */
  latencyMs: number
  /** Cuts every open connection (as a crashed server or a network blip would). */
  dropAll(): number
  /** While true, new connections are closed at once. */
  refusing: boolean
  close(): Promise<void>
}

export async function startFaultProxy(targetHost: string, targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>()
  const pipe = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (proxy.latencyMs === 0) to.write(chunk)
      else setTimeout(() => to.destroyed || to.write(chunk), proxy.latencyMs)
    })
  }
  const server = net.createServer((client) => {
    if (proxy.refusing) {
      client.destroy()
      return
    }
    const upstream = net.connect(targetPort, targetHost)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    // Order matters: the peer closes only after any delayed chunk has gone out.
    pipe(client, upstream)
    pipe(upstream, client)
    const end = () =>
      setTimeout(() => {
        client.destroy()
        upstream.destroy()
      }, proxy.latencyMs)
    client.on('close', end)
    upstream.on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const proxy: FaultProxy = {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    latencyMs: 0,
    refusing: false,
    dropAll() {
      const n = sockets.size
      for (const s of sockets) s.destroy()
      return n
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
  return proxy
}
