/**
 * End-to-end plumbing: builds the storefront, starts a real Floodgate child process on a fresh
 * SQLite database serving that build, and launches Debian's Chromium through playwright-core.
 * Test infrastructure (it reads its own environment variables, not the application's config).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { type Browser, chromium, type Page } from 'playwright-core'

export const root = path.resolve(import.meta.dirname, '../..')
const bin = (name: string) => path.join(root, 'node_modules/.bin', name)
export const screenshotDir = path.join(root, 'out/screenshots')

const CHROMIUM = '/usr/bin/chromium'

/**
 * Undefined when the browser tests can run; otherwise why not. Printed loudly when they skip; with
 * FLOODGATE_REQUIRE_SERVICES=1 (CI) a missing browser is a failure, not a skip.
 */
export function browserMissing(): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined
  const why = `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`
  if (process.env['FLOODGATE_REQUIRE_SERVICES'] === '1') {
    throw new Error(`storefront E2E tests are required here, but ${why}`)
  }
  process.stderr.write(`\n*** SKIPPING the storefront browser tests: ${why} ***\n\n`)
  return why
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's background services try the network; on a closed network their refused
    // connections break page loads, so they are switched off.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** Builds the storefront into a fresh folder; `apiUrl` is the build-time VITE_API_URL. */
export async function buildStorefront(apiUrl?: string): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-web-'))
  await promisify(execFile)(
    bin('vite'),
    ['build', '--config', 'web/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: root, env: { ...process.env, VITE_API_URL: apiUrl ?? '' } },
  )
  return outDir
}

export interface Server {
  base: string
  stop(): Promise<void>
}

/** `npm start`'s entry point on a fresh data folder, random port, serving `storefrontDir`. */
export async function startServer(storefrontDir: string): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-e2e-'))
  const child: ChildProcess = spawn(bin('tsx'), ['src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${dir}/shop.db`,
      STOREFRONT_DIR: storefrontDir,
      LOG_LEVEL: 'warn',
      JWT_SECRET: '',
      JWT_JWKS_URL: '',
      REDIS_URL: '',
      NATS_URL: '',
      NODE_ENV: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000)
    child.stdout!.on('data', () => {
      const match = /Floodgate is serving (http:\/\/\S+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)))
  })
  return {
    base,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.on('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The API as a test sees it: demo sign-in, then JSON calls with that token. */
export async function apiAs(base: string, userId: number) {
  const signIn = await fetch(`${base}/api/v1/demo/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  })
  if (!signIn.ok) throw new Error(`demo sign-in failed: ${signIn.status} ${await signIn.text()}`)
  const { token } = (await signIn.json()) as { token: string }
  return async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
}

/** Waits until `text` is visible on the page (the storefront renders asynchronously). */
export async function see(page: Page, text: string | RegExp, timeout = 10_000): Promise<void> {
  await page.getByText(text).first().waitFor({ state: 'visible', timeout })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(screenshotDir, { recursive: true })
  // What the shopper sees first (the top of the page in the viewport), not the whole scrolled page.
  await page.evaluate('window.scrollTo(0, 0)')
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) })
}

/** Signs in through the page, keyboard only: the sign-in form must work without a mouse. */
export async function signIn(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name: 'Sign in' }).click()
  await page.getByRole('radio', { name: new RegExp(name) }).focus()
  await page.keyboard.press('Space')
  await page.getByRole('button', { name: 'Sign in' }).focus()
  await page.keyboard.press('Enter')
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}
