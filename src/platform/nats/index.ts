/**
 * The broker of production mode: one NATS connection per process with a JetStream stream for the
 * order events. The connection is made in the background and re-made forever, so Floodgate starts
 * and serves while NATS is away; the outbox keeps every event until the broker takes it.
 */
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node'

export interface NatsOptions {
  url: string
  /** The stream holding the order events (one per deployment; tests use their own). */
  stream: string
  /** Subjects are `<prefix>.<event type>`, e.g. `floodgate.order.paid`. */
  subjectPrefix: string
  onError?: (error: unknown) => void
}

export interface NatsHandle {
  readonly options: NatsOptions
  /** Connected with the stream in place right now. */
  ready(): boolean
  /** Settles when the first connection attempt has succeeded or failed (startup waits on it). */
  firstAttempt: Promise<void>
  /** The client once connected and the stream exists; throws at once while NATS is away. */
  jetstream(): { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }
  subject(type: string): string
  close(): Promise<void>
}

/** Publishes of one event id within this window are stored once (JetStream de-duplication). */
const DUPLICATE_WINDOW_MS = 10 * 60_000
const MAX_AGE_MS = 7 * 24 * 3600_000

export function connectNats(options: NatsOptions): NatsHandle {
  let client: { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager } | undefined
  let connected = false
  let closing = false
  let retry: NodeJS.Timeout | undefined

  const ensureStream = async (jsm: JetStreamManager) => {
    const config = {
      name: options.stream,
      subjects: [`${options.subjectPrefix}.>`],
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_age: nanos(MAX_AGE_MS),
    }
    try {
      await jsm.streams.info(options.stream)
    } catch {
      await jsm.streams.add(config)
    }
  }

  let attempted!: () => void
  const firstAttempt = new Promise<void>((resolve) => (attempted = resolve))
  const start = async () => {
    try {
      const nc = await connect({
        servers: options.url,
        name: 'floodgate',
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        timeout: 2_000,
      })
      const jsm = await jetstreamManager(nc)
      await ensureStream(jsm)
      if (closing) return void (await nc.close())
      client = { nc, js: jetstream(nc, { timeout: 2_000 }), jsm }
      connected = true
      attempted()
      void (async () => {
        for await (const status of nc.status()) {
          if (status.type === 'disconnect') connected = false
          if (status.type === 'reconnect') {
            // The server may have come back without its store (a fresh node): recreate the stream.
            await ensureStream(jsm).catch(options.onError)
            connected = true
          }
        }
      })()
    } catch (error) {
      // Not even a first connection: try again shortly (the outbox holds events meanwhile).
      options.onError?.(error)
      attempted()
      if (!closing) {
        retry = setTimeout(() => void start(), 1_000)
        retry.unref()
      }
    }
  }
  void start()

  return {
    options,
    ready: () => connected && client !== undefined && !client.nc.isClosed(),
    firstAttempt,
    jetstream() {
      if (!client || !connected) throw new Error('NATS is not connected')
      return client
    },
    subject: (type) => `${options.subjectPrefix}.${type}`,
    async close() {
      closing = true
      clearTimeout(retry)
      if (client && !client.nc.isClosed()) await client.nc.drain().catch(() => client?.nc.close())
    },
  }
}

/** Resolves once the first connection attempt settled, or after `timeoutMs` (startup, tests). */
export async function waitUntilReady(handle: NatsHandle, timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    handle.firstAttempt,
    new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ])
  clearTimeout(timer)
}
