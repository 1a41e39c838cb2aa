/**
 * The ops page in a real browser: an admin signs in, opens /ops and sees the live charts drawn
 * from the server's ring buffer (canvas with pixels on it), the alert panel and the timeline.
 * A shopper is told the page is not for them. Screenshot: out/screenshots/ops-desktop.png.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import {
  apiAs,
  browserMissing,
  buildStorefront,
  launchBrowser,
  type Server,
  screenshot,
  see,
  signIn,
  startServer,
} from './harness.js'

const skip = browserMissing()

describe('the ops page in Chromium', { skip }, () => {
  let server: Server
  let browser: Browser
  let build: string

  before(async () => {
    build = await buildStorefront()
    server = await startServer(build)
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    if (build) fs.rmSync(build, { recursive: true, force: true })
  })

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.base })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    page.setDefaultTimeout(10_000)
    return { page, errors }
  }

  test('an admin sees the last minutes as charts, the alerts and the timeline', async () => {
    // Traffic for the charts: browsing and an order, while the sampler takes its 5-second samples.
    const customer = await apiAs(server.base, 1)
    const admin = await apiAs(server.base, 1000)
    for (let i = 0; i < 20; i++) await fetch(`${server.base}/api/v1/products?limit=5`)
    await customer('POST', '/api/v1/orders', { userId: 1, items: [{ productId: 1, quantity: 1 }] })
    // Two samples make the first chart point; wait for them through the API the page uses.
    for (let i = 0; i < 60; i++) {
      const view = await admin<{ series: { t: number[] } }>('GET', '/api/v1/admin/ops/timeline')
      if (view.series.t.length >= 2) break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }

    const { page, errors } = await open()
    await page.goto('/')
    await signIn(page, 'Shop Admin')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ops' }).click()
    await see(page, 'Operations')
    await see(page, 'Requests per second')
    await see(page, /No alert is firing or pending|firing|pending/)
    await see(page, 'Alert timeline')

    const charts = page.locator('figure.ops-chart')
    assert.equal(await charts.count(), 7)
    assert.ok(Number(await charts.first().getAttribute('data-points')) >= 2)
    // uPlot drew something: the request-rate chart's canvas has opaque pixels in it.
    const painted = await page.evaluate(`(() => {
      const canvas = document.querySelector('figure.ops-chart canvas')
      if (!canvas) return 0
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
      let n = 0
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++
      return n
    })()`)
    assert.ok(Number(painted) > 100, `only ${painted} painted pixels`)
    await screenshot(page, 'ops-desktop')
    assert.deepEqual(errors, [])
  })

  test('a shopper is told the page is for admins', async () => {
    const { page } = await open()
    await page.goto('/')
    await signIn(page, 'Minji Kim')
    await page.goto('/ops')
    await see(page, "The ops page is for the shop's admins.")
    assert.equal(await page.locator('figure.ops-chart').count(), 0)
  })
})
