import type { FastifyInstance } from 'fastify'
import { Counter, type Registry } from 'prom-client'
import type { DomainEvent, InProcessBus, OrderEventType } from '../outbox/index.js'
import { AppError } from '../platform/errors/index.js'

const ORDER_EVENTS = ['placed', 'paid', 'cancelled', 'expired'] as const
type OrderEvent = (typeof ORDER_EVENTS)[number]
const SOLD_OUT = { INSUFFICIENT_STOCK: 'product', COUPON_SOLD_OUT: 'coupon' } as const

/**
 * What the shop sold, next to how the service behaved: orders by lifecycle event, revenue, coupons
 * issued, sold-out refusals, points charged. Every count is a committed fact: order counts come
 * from the published order events (an order that rolled back never has one), coupons and points
 * are reported by their use cases after the commit. Label children are resolved once here, so a
 * count on the hot path is one increment.
 */
export class BusinessMetrics {
  private readonly orders: Counter<'event'>
  private readonly revenue: Counter
  private readonly coupons: Counter
  private readonly soldOut: Counter<'what'>
  private readonly points: Counter
  private readonly orderChild: Record<OrderEvent, { inc(n?: number): void }>
  private readonly soldOutChild: Record<'product' | 'coupon', { inc(n?: number): void }>
  /** Recently counted event ids, oldest first (a Set keeps insertion order). */
  private readonly seen = new Set<string>()

  constructor(registry: Registry) {
    const registers = [registry]
    this.orders = new Counter({
      name: 'floodgate_orders_total',
      help: 'Orders by lifecycle event (placed, paid, cancelled, expired), counted once committed',
      labelNames: ['event'] as const,
      registers,
    })
    this.revenue = new Counter({
      name: 'floodgate_revenue_won_total',
      help: 'Won paid for orders (the amount due after discounts, counted when an order is paid; refunds not subtracted)',
      registers,
    })
    this.coupons = new Counter({
      name: 'floodgate_coupons_issued_total',
      help: 'Coupons issued to users (first-come claims and admin grants), counted once committed',
      registers,
    })
    this.soldOut = new Counter({
      name: 'floodgate_sold_out_rejections_total',
      help: 'Requests refused because the product stock or the coupon quantity ran out, by what ran out',
      labelNames: ['what'] as const,
      registers,
    })
    this.points = new Counter({
      name: 'floodgate_points_charged_total',
      help: 'Points charged into wallets (top-ups), counted once committed',
      registers,
    })
    // Zero-valued series from the start, so rate() works before the first sale and dashboards are not empty.
    this.orderChild = Object.fromEntries(
      ORDER_EVENTS.map((event) => [event, this.orders.labels({ event })]),
    ) as Record<OrderEvent, { inc(n?: number): void }>
    this.soldOutChild = {
      product: this.soldOut.labels({ what: 'product' }),
      coupon: this.soldOut.labels({ what: 'coupon' }),
    }
    for (const child of [...Object.values(this.orderChild), ...Object.values(this.soldOutChild)]) child.inc(0)
  }

  /** Counts a committed order event; `order.paid` adds the order's pay amount to revenue. */
  orderEvent(event: DomainEvent): void {
    // The relay offers an event again when a durable subscriber failed; count it once.
    if (this.seen.has(event.id)) return
    this.seen.add(event.id)
    if (this.seen.size > 4096) this.seen.delete(this.seen.values().next().value as string)
    const kind = event.type.slice('order.'.length) as OrderEvent
    const child = this.orderChild[kind]
    if (!child) return
    child.inc()
    if (kind === 'paid') {
      const payAmount = (event.payload['order'] as { payAmount?: unknown } | undefined)?.payAmount
      if (typeof payAmount === 'number' && payAmount > 0) this.revenue.inc(payAmount)
    }
  }

  couponsIssued(count: number): void {
    this.coupons.inc(count)
  }

  pointsCharged(amount: number): void {
    this.points.inc(amount)
  }

  /** Counts a refusal when the error is a sold-out one; other errors are ignored. */
  refused(error: unknown): void {
    if (!(error instanceof AppError)) return
    const what = SOLD_OUT[error.code as keyof typeof SOLD_OUT]
    if (what) this.soldOutChild[what].inc()
  }

  /**
   * Subscribes to the order events this process publishes. With several instances each event is
   * published by one of them, so the fleet's sum counts it once (a republish within this process is
   * counted once; one after a crash, on another instance, may count twice).
   */
  listen(bus: InProcessBus): void {
    const types: OrderEventType[] = ORDER_EVENTS.map((e) => `order.${e}` as const)
    bus.subscribe(types, (event) => this.orderEvent(event))
  }

  /** Counts sold-out refusals as they leave any route (the gates refuse before any use case runs). */
  watch(app: Pick<FastifyInstance, 'addHook'>): void {
    app.addHook('onError', async (_request, _reply, error) => this.refused(error))
  }
}
