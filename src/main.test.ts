/**
 * The two-command promise, end to end: the real entry point as a child process, on a fresh data
 * folder, over real HTTP. Seeds a demo shop, prints working tokens, keeps them across a restart,
 * and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'

const root = path.resolve(import.meta.dirname, '..')
const tsx = path.join(root, 'node_modules/.bin/tsx')

function start(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(tsx, ['src/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000)
    child.stdout!.on('data', () => {
      const match = /Floodgate is serving (http:\/\/\S+)/.exec(out)
      if (match && out.includes('More tokens')) {
        clearTimeout(timer)
        resolve({ child, base: match[1]!, output: () => out })
      }
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)))
  })
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })

/** A fresh data folder and the environment of a first start on it (embedded default, random port). */
function freshMachine(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const env = {
    PORT: '0',
    DATA_DIR: dir,
    DATABASE_URL: `sqlite:${dir}/shop.db`,
    LOG_LEVEL: 'warn',
    JWT_SECRET: '',
    NODE_ENV: '',
  }
  return { dir, env }
}

describe('npm start on a fresh machine', () => {
  const { dir, env } = freshMachine('floodgate-main-')
  let server: Awaited<ReturnType<typeof start>>
  let token: string
  let adminToken: string
  before(async () => {
    server = await start(env)
    token = /export TOKEN=(\S+)/.exec(server.output())![1]!
    adminToken = /export ADMIN_TOKEN=(\S+)/.exec(server.output())![1]!
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('seeds the demo shop and the printed tokens work', async () => {
    const list = (await (await fetch(`${server.base}/api/v1/products?limit=100`)).json()) as {
      items: unknown[]
    }
    assert.equal(list.items.length, 20)
    const coupons = (await (await fetch(`${server.base}/api/v1/coupons`)).json()) as { items: unknown[] }
    assert.equal(coupons.items.length, 2)
    const balance = await fetch(`${server.base}/api/v1/points/users/1`, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(balance.status, 200)
    assert.equal(((await balance.json()) as { balance: number }).balance, 500_000)
    const created = await fetch(`${server.base}/api/v1/admin/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Restart check', price: 1, stock: 1 }),
    })
    assert.equal(created.status, 201)
    assert.ok((await fetch(`${server.base}/docs`)).ok)
    const spec = (await (await fetch(`${server.base}/openapi.json`)).json()) as { openapi: string }
    assert.equal(spec.openapi, '3.1.0')
    assert.equal(fs.statSync(path.join(dir, 'jwt-secret')).mode & 0o777, 0o600)
  })

  test('the token CLI mints tokens the server accepts', async () => {
    const { stdout } = await promisify(execFile)(tsx, ['src/cli/token.ts', '--user', '7', '--ttl', '10m'], {
      cwd: root,
      env: { ...process.env, ...env },
    })
    const res = await fetch(`${server.base}/api/v1/points/users/7`, {
      headers: { authorization: `Bearer ${stdout.trim()}` },
    })
    assert.equal(res.status, 200)
  })

  test('SIGTERM stops it cleanly; a restart keeps data and the secret, and does not seed again', async () => {
    assert.equal(await stop(server.child), 0)
    server = await start(env)
    const list = (await (await fetch(`${server.base}/api/v1/products?limit=100`)).json()) as {
      items: unknown[]
    }
    assert.equal(list.items.length, 21)
    const balance = await fetch(`${server.base}/api/v1/points/users/1`, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(balance.status, 200)
    assert.equal(await stop(server.child), 0)
  })

  test('production refuses to start without a JWT setting', async () => {
    await assert.rejects(
      promisify(execFile)(tsx, ['src/main.ts'], {
        cwd: root,
        env: { ...process.env, ...env, NODE_ENV: 'production' },
      }),
      (error: { code: number; stderr: string }) =>
        error.code === 1 && /JWT_SECRET or JWT_JWKS_URL/.test(error.stderr),
    )
  })
})

describe('npm start -- --workers 2', () => {
  const { dir, env } = freshMachine('floodgate-workers-')
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('two processes serve one SQLite shop: 60 buyers over both for 10 units buy exactly 10', async () => {
    const server = await start(env, ['--workers', '2'])
    assert.match(server.output(), /with 2 workers/)
    const admin = /export ADMIN_TOKEN=(\S+)/.exec(server.output())![1]!
    const post = (url: string, token: string, body: object) =>
      fetch(`${server.base}${url}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const product = (await (
      await post('/api/v1/admin/products', admin, { name: 'Hot', price: 1_000, stock: 10 })
    ).json()) as { id: number }
    const { mintToken } = await import('./auth/index.js')
    const secret = fs.readFileSync(path.join(dir, 'jwt-secret'), 'utf8').trim()
    const statuses = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const userId = 1 + (i % 5) // the five seeded customers, 500,000 points each
        const token = await mintToken(secret, { userId, ttlSeconds: 600 })
        const res = await post('/api/v1/orders', token, {
          userId,
          items: [{ productId: product.id, quantity: 1 }],
        })
        return res.status
      }),
    )
    assert.equal(statuses.filter((s) => s === 201).length, 10, statuses.join(','))
    assert.ok(
      statuses.every((s) => s === 201 || s === 409),
      statuses.join(','),
    )
    const left = (await (await fetch(`${server.base}/api/v1/products/${product.id}`)).json()) as {
      stock: number
    }
    assert.equal(left.stock, 0, 'a read on either worker sees the last sale (no stale per-process cache)')
    assert.equal(await stop(server.child), 0)
  })
})
