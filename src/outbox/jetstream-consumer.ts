import { AckPolicy, type ConsumerMessages } from '@nats-io/jetstream'
import { nanos } from '@nats-io/transport-node'
import type { NatsHandle } from '../platform/nats/index.js'
import type { DomainEvent, OrderEventType } from './events.js'

export interface ConsumerOptions {
  nats: NatsHandle
  /** The durable consumer's name: instances using the same name share its messages (each goes to one). */
  durable: string
  types: OrderEventType[]
  /** Must resolve only once the event is safe (e.g. durably stored); a rejection redelivers it later. */
  handle(event: DomainEvent): Promise<void>
  onError?: (error: unknown) => void
}

/**
 * A message not acknowledged within this time is delivered again (to this or another instance).
 * Handlers store and return in milliseconds; this bounds how long an event whose ack or nak was
 * lost with the connection (a broker restart) waits.
 */
const ACK_WAIT_MS = 10_000
const RETRY_DELAY_MS = 2_000

/**
 * A durable JetStream pull consumer: every instance consumes from the same durable, so each event is
 * handled by one of them, at least once (the handler must be idempotent on the event id), and what
 * was not acknowledged when an instance died is redelivered. Survives broker restarts: the loop
 * re-attaches while NATS is away.
 */
export class JetStreamConsumer {
  private readonly messages = new Set<ConsumerMessages>()
  private stopped = false
  private loops: Promise<void>[] | undefined

  constructor(private readonly opts: ConsumerOptions) {}

  /** One durable per event type (`<durable>-<type>`): a single subject filter works on every server version. */
  start(): void {
    this.loops ??= this.opts.types.map((type) => this.run(type))
  }

  async stop(): Promise<void> {
    this.stopped = true
    await Promise.all([...this.messages].map((m) => m.close()))
    await Promise.all(this.loops ?? [])
  }

  private async run(type: OrderEventType): Promise<void> {
    const { nats } = this.opts
    while (!this.stopped) {
      try {
        if (!nats.ready()) {
          await sleep(250)
          continue
        }
        const { js, jsm } = nats.jetstream()
        const stream = nats.options.stream
        const durable = `${this.opts.durable}-${type.replace('.', '-')}`
        await jsm.consumers.add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          ack_wait: nanos(ACK_WAIT_MS),
          filter_subject: nats.subject(type),
        })
        const consumer = await js.consumers.get(stream, durable)
        const messages = await consumer.consume({ max_messages: 256 })
        this.messages.add(messages)
        if (this.stopped) await messages.close()
        for await (const message of messages) {
          try {
            await this.opts.handle(message.json<DomainEvent>())
            message.ack()
          } catch (error) {
            this.opts.onError?.(error)
            message.nak(RETRY_DELAY_MS)
          }
        }
        this.messages.delete(messages)
      } catch (error) {
        if (!this.stopped) {
          this.opts.onError?.(error)
          await sleep(1_000)
        }
      }
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref())
