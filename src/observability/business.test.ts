import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestApp, type TestApp } from '../testing/harness.js'

describe('business counters', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())

  /** The current value of one series from the /metrics text, as Prometheus would scrape it. */
  const scrape = async () => (await t.call('GET', '/metrics')).body
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `))
    return line === undefined ? undefined : Number(line.slice(series.length + 1))
  }

  test('count committed facts only: orders by event, revenue, coupons, sold-out refusals, points', async () => {
    const product = await t.createProduct({ price: 10_000, stock: 2 })
    const coupon = await t.createCoupon({ totalQuantity: 1, discountValue: 1_000 })
    await t.charge(1, 100_000)
    const token = await t.token(1)

    const issued = await t.call('POST', `/api/v1/coupons/${coupon.id}/issue`, { token, body: { userId: 1 } })
    assert.equal(issued.statusCode, 201)
    const late = await t.call('POST', `/api/v1/coupons/${coupon.id}/issue`, {
      token: await t.token(2),
      body: { userId: 2 },
    })
    assert.equal(late.json().code, 'COUPON_SOLD_OUT')

    const paid = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 1, items: [{ productId: product.id, quantity: 1 }], userCouponId: issued.json().id },
    })
    assert.equal(paid.statusCode, 201)
    // Wants more than the shelf: the order's rows and events are written, then rolled back whole.
    const tooMany = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 1, items: [{ productId: product.id, quantity: 5 }] },
    })
    assert.equal(tooMany.json().code, 'INSUFFICIENT_STOCK')
    const later = await t.call('POST', '/api/v1/orders', {
      token,
      body: { userId: 1, items: [{ productId: product.id, quantity: 1 }], payment: 'LATER' },
    })
    assert.equal(later.statusCode, 201)
    assert.equal(
      (await t.call('POST', `/api/v1/orders/${later.json().id}/cancel`, { token })).statusCode,
      200,
    )

    // Orders count when the relay has published their events, i.e. once known committed.
    await t.runtime.relay.flush()
    const text = await scrape()
    assert.equal(value(text, 'floodgate_coupons_issued_total'), 1)
    assert.equal(value(text, 'floodgate_points_charged_total'), 100_000)
    assert.equal(value(text, 'floodgate_sold_out_rejections_total{what="coupon"}'), 1)
    assert.equal(value(text, 'floodgate_sold_out_rejections_total{what="product"}'), 1)
    assert.equal(value(text, 'floodgate_orders_total{event="placed"}'), 2)
    assert.equal(value(text, 'floodgate_orders_total{event="paid"}'), 1)
    assert.equal(value(text, 'floodgate_orders_total{event="cancelled"}'), 1)
    assert.equal(value(text, 'floodgate_orders_total{event="expired"}'), 0)
    assert.equal(value(text, 'floodgate_revenue_won_total'), 9_000)
    assert.equal(value(text, 'floodgate_outbox_backlog'), 0)
  })

  test('an event offered twice (a durable subscriber failed) counts once', async () => {
    const revenue = async () =>
      value(await t.runtime.metrics.registry.metrics(), 'floodgate_revenue_won_total') ?? 0
    const event = {
      id: 'evt-twice',
      type: 'order.paid' as const,
      aggregateId: 1,
      occurredAt: new Date(0).toISOString(),
      payload: { order: { payAmount: 500 } },
    }
    const start = await revenue()
    t.runtime.metrics.business.orderEvent(event)
    t.runtime.metrics.business.orderEvent(event)
    assert.equal((await revenue()) - start, 500)
  })

  test('dependency gauges: Redis and NATS report up only where configured', async () => {
    const text = await scrape()
    const services = t.runtime.services
    assert.equal(value(text, 'floodgate_dependency_up{dependency="redis"}'), services.redis ? 1 : undefined)
    assert.equal(value(text, 'floodgate_dependency_up{dependency="nats"}'), services.nats ? 1 : undefined)
  })
})
