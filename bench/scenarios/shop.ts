/**
 * The hot-product shop: a Floodgate server with one admin, 200 buyers holding tokens and points,
 * products made through the admin API, and read-only snapshots of the SQLite file.
 */
import path from 'node:path'
import Database from 'better-sqlite3'
import { mintToken } from '../../src/auth/index.js'
import { eachLimited, expect } from '../lib/api.js'
import { type LoadResult, runLoad } from '../lib/load.js'
import { randomSecret, type ServerProcess, startFloodgate } from '../lib/server.js'

export const BUYERS = 200
export const PRICE = 1_000
/** Enough points for a million orders each; the server's limits are raised to allow it. */
export const POINTS_PER_BUYER = 1_000_000_000
export const POINT_LIMITS = { POINTS_MAX_CHARGE: '1000000000', POINTS_MAX_BALANCE: '1000000000000' }

export interface Shop {
  server: ServerProcess
  dbFile: string
  adminToken: string
  buyers: { userId: number; token: string }[]
}

export interface Snapshot {
  stock: number
  paidOrders: number
  paidUnits: number
  /** Orders for the product in any other status (there should be none: POINTS orders are paid at once). */
  otherOrders: number
}

export async function openShop(dataDir: string, nodeArgs: string[] = []): Promise<Shop> {
  const secret = randomSecret()
  const server = await startFloodgate({
    dataDir,
    seed: 'none',
    jwtSecret: secret,
    env: POINT_LIMITS,
    nodeArgs,
  })
  const adminToken = await mintToken(secret, { userId: 900_000, role: 'admin', ttlSeconds: 3600 })
  const buyers = await Promise.all(
    Array.from({ length: BUYERS }, async (_, i) => ({
      userId: i + 1,
      token: await mintToken(secret, { userId: i + 1, ttlSeconds: 3600 }),
    })),
  )
  await eachLimited(buyers, 20, async ({ userId }) => {
    await expect(200, server.url, 'POST', `/api/v1/points/users/${userId}/charge`, {
      token: adminToken,
      body: { amount: POINTS_PER_BUYER },
    })
  })
  return { server, dbFile: path.join(dataDir, 'bench.db'), adminToken, buyers }
}

export async function createProduct(shop: Shop, name: string, stock: number): Promise<number> {
  const product = await expect<{ id: number }>(201, shop.server.url, 'POST', '/api/v1/admin/products', {
    token: shop.adminToken,
    body: { name, price: PRICE, stock },
  })
  return product.id
}

/** Read straight from the SQLite file (read-only), independent of the server's code paths. */
export function snapshot(shop: Shop, productId: number): Snapshot {
  const db = new Database(shop.dbFile, { readonly: true, fileMustExist: true })
  try {
    const product = db.prepare('SELECT stock FROM products WHERE id = ?').get(productId) as { stock: number }
    const rows = db
      .prepare(
        `SELECT o.status AS status, COUNT(*) AS orders, SUM(i.quantity) AS units
           FROM orders o JOIN order_items i ON i.order_id = o.id
          WHERE i.product_id = ? GROUP BY o.status`,
      )
      .all(productId) as { status: string; orders: number; units: number }[]
    const paid = rows.find((r) => r.status === 'PAID')
    return {
      stock: Number(product.stock),
      paidOrders: Number(paid?.orders ?? 0),
      paidUnits: Number(paid?.units ?? 0),
      otherOrders: rows.filter((r) => r.status !== 'PAID').reduce((n, r) => n + Number(r.orders), 0),
    }
  } finally {
    db.close()
  }
}

/** Every buyer hammers POST /api/v1/orders for one unit; draining, so every answer is counted. */
export function buy(
  shop: Shop,
  productId: number,
  durationSec: number,
  watchCpu = false,
): Promise<LoadResult> {
  return runLoad({
    url: `${shop.server.url}/api/v1/orders`,
    connections: BUYERS,
    durationSec,
    limitSec: durationSec + 20,
    drain: true,
    method: 'POST',
    ...(watchCpu ? { watchPid: shop.server.pid } : {}),
    setupClient: (client, index) => {
      const buyer = shop.buyers[index % shop.buyers.length]!
      client.setHeadersAndBody(
        { authorization: `Bearer ${buyer.token}`, 'content-type': 'application/json' },
        JSON.stringify({ userId: buyer.userId, items: [{ productId, quantity: 1 }] }),
      )
    },
  })
}
