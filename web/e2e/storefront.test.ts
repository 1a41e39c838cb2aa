/**
 * The shop works, proven in a real browser: Debian's Chromium driven by playwright-core against a
 * freshly started Floodgate serving a fresh storefront build. Writes desktop and phone screenshots
 * of the main pages to out/screenshots/.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
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
const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }

describe('the storefront in Chromium', { skip }, () => {
  let server: Server
  let browser: Browser
  const builds: string[] = []
  const contexts: BrowserContext[] = []

  before(async () => {
    // One at a time: Vite refuses two concurrent builds of the same project.
    const current = await buildStorefront()
    const old = await buildStorefront('/api')
    builds.push(current, old)
    server = await startServer(current)
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    for (const dir of builds) fs.rmSync(dir, { recursive: true, force: true })
  })

  /** A fresh browser profile (no session, empty cart) with uncaught page errors collected. */
  async function open(viewport = DESKTOP): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport, baseURL: server.base })
    contexts.push(context)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    page.setDefaultTimeout(10_000)
    return { page, errors }
  }

  const nav = (page: Page, name: string | RegExp) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click()

  test('browse → sign in → charge → claim coupon → buy with it → order and balance → cancel → refund', async () => {
    const { page, errors } = await open()
    await page.goto('/')
    await see(page, "Today's shop")
    const keyboard = page.getByRole('listitem').filter({ hasText: 'Mechanical Keyboard' })
    await keyboard.getByText('60 left').waitFor()
    await screenshot(page, 'shop-desktop')

    await signIn(page, 'Minji Kim')
    await see(page, 'Minji Kim')

    await nav(page, 'Points')
    await see(page, /Points balance: ₩500,000/)
    await page.getByLabel('Amount to charge (points)').fill('20000')
    await page.getByRole('button', { name: 'Charge points' }).click()
    await see(page, 'Charged ₩20,000. New balance ₩520,000.')
    await see(page, /Points balance: ₩520,000/)

    await nav(page, 'Coupons')
    await see(page, '50 of 50 left')
    await page.getByRole('button', { name: 'Claim Sale day 10% off' }).click()
    await see(page, 'Claimed “Sale day 10% off”. Use it in your cart.')
    await see(page, '49 of 50 left')
    await screenshot(page, 'coupons-desktop')

    await nav(page, 'Shop')
    await page.getByRole('button', { name: 'Add Mechanical Keyboard to cart' }).click()
    await nav(page, 'Cart (1)')
    await page.getByLabel('Coupon').selectOption({ label: 'Sale day 10% off: 10% off (up to ₩20,000)' })
    assert.equal(await page.getByTestId('discount').textContent(), '−₩12,900')
    assert.equal(await page.getByTestId('to-pay').textContent(), '₩116,100')
    await screenshot(page, 'cart-desktop')
    await page.getByRole('button', { name: 'Pay with points' }).click()
    await see(page, /Order #\d+ is placed and paid: ₩116,100 \(you saved ₩12,900\)/)

    await page.getByRole('link', { name: 'See your orders' }).click()
    await see(page, /Points balance: ₩403,900/)
    const order = page
      .getByRole('listitem')
      .filter({ hasText: /Order #\d+/ })
      .first()
    await order.getByText('Paid', { exact: true }).waitFor()
    await order.getByText('1 × Mechanical Keyboard').waitFor()
    await screenshot(page, 'orders-desktop')
    await order.getByRole('button', { name: /Cancel order/ }).click()
    await see(page, /Order #\d+ is cancelled\. ₩116,100 was refunded to your points\./)
    await order.getByText('Cancelled', { exact: true }).waitFor()
    await see(page, /Points balance: ₩520,000/)

    await nav(page, 'Points')
    await page.getByRole('cell', { name: /Refund \(order #\d+\)/ }).waitFor()
    await page.getByRole('cell', { name: '+₩116,100' }).waitFor()
    assert.deepEqual(errors, [])
  })

  test('live stock turns to sold out on its own; sold-out and coupon-gone answers are shown plainly', async () => {
    const admin = await apiAs(server.base, 1000)
    const product = await admin<{ id: number }>('POST', '/api/v1/admin/products', {
      name: 'Last Pair Of Socks',
      price: 9_000,
      stock: 1,
    })
    const coupon = await admin<{ id: number }>('POST', '/api/v1/admin/coupons', {
      name: 'Only One Left',
      discountType: 'FIXED',
      discountValue: 1_000,
      totalQuantity: 1,
      validDays: 7,
    })
    const { page, errors } = await open()
    await page.goto('/')
    await signIn(page, 'Seo-yeon Lee')
    const card = page.getByRole('listitem').filter({ hasText: 'Last Pair Of Socks' })
    await card.getByText('1 left').waitFor()
    await page.getByRole('button', { name: 'Add Last Pair Of Socks to cart' }).click()

    // Someone else buys the last pair while it sits in this cart: the open page notices by itself.
    const other = await apiAs(server.base, 4)
    await other('POST', '/api/v1/orders', { userId: 4, items: [{ productId: product.id, quantity: 1 }] })
    await card.getByText('Sold out', { exact: true }).first().waitFor()
    assert.equal(
      await card.getByRole('button', { name: 'Last Pair Of Socks is sold out' }).isDisabled(),
      true,
    )

    await nav(page, 'Cart (1)')
    await page.getByRole('button', { name: 'Pay with points' }).click()
    await page
      .getByRole('alert')
      .filter({ hasText: /^Sold out: there is not enough stock left/ })
      .waitFor()

    // The last copy of a coupon goes to someone else between showing it and the click.
    await nav(page, 'Coupons')
    await see(page, '1 of 1 left')
    await other('POST', `/api/v1/coupons/${coupon.id}/issue`, { userId: 4 })
    await page.getByRole('button', { name: 'Claim Only One Left' }).click()
    await page.getByRole('alert').filter({ hasText: 'That coupon is all gone' }).waitFor()
    // The list holds only coupons that can still be claimed, so the exhausted one leaves it.
    await page.getByRole('button', { name: 'Claim Only One Left' }).waitFor({ state: 'detached' })
    assert.deepEqual(errors, [])
  })

  test('a busy answer: the page says so, retries after Retry-After with the same key, one order', async () => {
    const { page, errors } = await open()
    const keys: string[] = []
    await page.route('**/api/v1/orders', async (route) => {
      const request = route.request()
      if (request.method() !== 'POST') return route.fallback()
      keys.push(request.headers()['idempotency-key'] ?? '')
      if (keys.length === 1) {
        return route.fulfill({
          status: 503,
          headers: { 'retry-after': '1', 'content-type': 'application/problem+json' },
          body: JSON.stringify({
            type: 'about:blank',
            title: 'Busy',
            status: 503,
            detail: 'busy',
            code: 'BUSY',
          }),
        })
      }
      return route.fallback()
    })
    await page.goto('/')
    await signIn(page, 'Ara Jung')
    await page.getByRole('button', { name: 'Add USB-C Hub to cart' }).click()
    await nav(page, 'Cart (1)')
    await page.getByRole('button', { name: 'Pay with points' }).click()
    await see(page, /The shop is very busy right now\. We will try again automatically/)
    await screenshot(page, 'busy-desktop')
    await see(page, /Order #\d+ is placed and paid: ₩39,000/)
    assert.equal(keys.length, 2, 'one refused attempt, one retry')
    assert.equal(keys[0], keys[1], 'the retry reuses the Idempotency-Key')
    assert.match(keys[0]!, /^[0-9a-f-]{36}$/)
    const orders = await (await apiAs(server.base, 5))<{ items: unknown[] }>('GET', '/api/v1/orders/users/5')
    assert.equal(orders.items.length, 1)
    assert.equal(await page.getByText(/The shop is very busy/).count(), 0, 'the banner goes away')
    assert.deepEqual(errors, [])
  })

  test('an old build (unversioned and renamed paths) still works against this server', async () => {
    const oldBuild = builds[1]!
    const { page, errors } = await open()
    const apiPaths: string[] = []
    page.on('request', (r) => {
      const { pathname } = new URL(r.url())
      if (pathname.startsWith('/api/')) apiPaths.push(`${r.method()} ${pathname}`)
    })
    // Serve the old build's files in place of the current ones; API calls go to the real server.
    await page.route(
      (url) => !url.pathname.startsWith('/api/'),
      (route) => {
        const { pathname } = new URL(route.request().url())
        const file = path.join(oldBuild, pathname)
        const isFile = pathname !== '/' && fs.existsSync(file) && fs.statSync(file).isFile()
        return route.fulfill({ path: isFile ? file : path.join(oldBuild, 'index.html') })
      },
    )
    await page.goto('/')
    await see(page, "Today's shop")
    await see(page, 'Best sellers, last 3 days')
    await signIn(page, 'Hyun Choi')
    await nav(page, 'Points')
    await page.getByLabel('Amount to charge (points)').fill('5000')
    await page.getByRole('button', { name: 'Charge points' }).click()
    await see(page, /Charged ₩5,000\. New balance ₩\d/)
    assert.ok(apiPaths.includes('GET /api/products/popular'), apiPaths.join(', '))
    assert.ok(apiPaths.includes('POST /api/points/charge'), apiPaths.join(', '))
    assert.ok(apiPaths.includes('POST /api/demo/sign-in'), apiPaths.join(', '))
    assert.deepEqual(
      apiPaths.filter((p) => p.includes('/api/v1/')),
      [],
      'an old build never calls /api/v1',
    )
    assert.deepEqual(errors, [])
  })

  test('the admin corner: create a product, restock it, create a coupon and grant it', async () => {
    const { page, errors } = await open()
    await page.goto('/')
    await signIn(page, 'Shop Admin')
    await nav(page, 'Admin')
    const form = (title: string) =>
      page.locator('form').filter({ has: page.getByRole('heading', { name: title }) })

    await form('Create product').getByLabel('Name').fill('Admin Desk Fan')
    await form('Create product').getByLabel('Price (won)').fill('25000')
    await form('Create product').getByLabel('Stock').fill('3')
    await page.getByRole('button', { name: 'Create product' }).click()
    const created = form('Create product').getByRole('status')
    await created.filter({ hasText: /“Admin Desk Fan” created at ₩25,000 with 3 in stock/ }).waitFor()
    const productId = /Product #(\d+)/.exec((await created.textContent()) ?? '')![1]!

    await form('Restock').getByLabel('Product id').fill(productId)
    await form('Restock')
      .getByLabel(/Units to add/)
      .fill('7')
    await page.getByRole('button', { name: 'Restock' }).click()
    await see(page, 'Admin Desk Fan now has 10 in stock.')

    await form('Create coupon').getByLabel('Name').fill('Apology 3,000 off')
    await form('Create coupon').getByLabel('Discount value').fill('3000')
    await page.getByRole('button', { name: 'Create coupon' }).click()
    const coupon = form('Create coupon').getByRole('status')
    await coupon.filter({ hasText: /“Apology 3,000 off” created: 100 to claim/ }).waitFor()
    const couponId = /Coupon #(\d+)/.exec((await coupon.textContent()) ?? '')![1]!

    await form('Grant coupon').getByLabel('Coupon id').fill(couponId)
    await form('Grant coupon')
      .getByLabel(/User ids/)
      .fill('2, 3')
    await page.getByRole('button', { name: 'Grant coupon' }).click()
    await see(page, 'Granted to 2 user(s); 0 already had it.')
    await screenshot(page, 'admin-desktop')

    const mine = await (await apiAs(server.base, 3))<{ items: { couponId: number }[] }>(
      'GET',
      '/api/v1/coupons/users/3',
    )
    assert.ok(mine.items.some((c) => c.couponId === Number(couponId)))
    assert.deepEqual(errors, [])
  })

  test('keyboard: the skip link comes first, focus is visible, a product opens from the list', async () => {
    const { page, errors } = await open()
    await page.goto('/')
    await see(page, "Today's shop")
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(
      '({ text: document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle })',
    )
    assert.deepEqual(focused, { text: 'Skip to content', outline: 'solid' })
    await page.getByRole('link', { name: 'Gaming Chair' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Gaming Chair' }).waitFor()
    await see(page, '15 left')
    await page.getByLabel('Quantity').fill('2')
    await page.getByRole('button', { name: 'Add Gaming Chair to cart' }).press('Enter')
    await see(page, 'Added to your cart.')
    await page.getByRole('link', { name: 'Cart (2)' }).waitFor()
    assert.deepEqual(errors, [])
  })

  test('phone-sized pages: screenshots, and nothing wider than the screen', async () => {
    const { page, errors } = await open(PHONE)
    await page.goto('/')
    await see(page, "Today's shop")
    await page.getByRole('listitem').filter({ hasText: 'Wireless Earbuds' }).waitFor()
    await screenshot(page, 'shop-phone')
    await signIn(page, 'Joon Park')
    await page.getByRole('button', { name: 'Add Wireless Earbuds to cart' }).click()
    await nav(page, 'Cart (1)')
    await see(page, 'Pay with points')
    await screenshot(page, 'cart-phone')
    await nav(page, 'Coupons')
    await see(page, 'Welcome 5,000 won off')
    await screenshot(page, 'coupons-phone')
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'))
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`)
    assert.deepEqual(errors, [])
  })
})
