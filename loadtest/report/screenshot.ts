/**
 * A picture of a report for the docs: `tsx loadtest/report/screenshot.ts out/report.html docs/loadtest-report.png`.
 * Uses Debian's chromium through playwright-core (`npx playwright install` cannot download here),
 * with every network request blocked, which also proves the report needs none.
 */
import path from 'node:path'
import { chromium } from 'playwright-core'

const [input, output] = process.argv.slice(2)
if (!input || !output) {
  process.stderr.write('usage: tsx loadtest/report/screenshot.ts <report.html> <out.png>\n')
  process.exit(2)
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
})
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 })
  await page.route(/^https?:/, (route) => route.abort())
  await page.goto(`file://${path.resolve(input)}`)
  await page.waitForSelector('.chart canvas')
  await page.screenshot({ path: output, fullPage: true })
  process.stdout.write(`${output}\n`)
} finally {
  await browser.close()
}
