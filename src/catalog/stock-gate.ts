import { sql } from 'kysely'
import type { Db } from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'
import { defineScript, type RedisHandle } from '../platform/redis/index.js'
import type { StockLine } from './stock.js'

/**
 * Admission in front of the stock table: turns buyers away from sold-out products before they
 * take a database connection. It is only ever an early "no"; the conditional decrement in
 * `takeStock` stays the one thing that decides a sale, so a gate that is lost, flushed or wrong
 * can cost extra database trips or a brief false "sold out", never an oversell.
 */
export interface StockGate {
  /** Reserves the lines, or throws INSUFFICIENT_STOCK. Returns what to do if the order then fails. */
  admit(lines: StockLine[]): Promise<Admission>
  /** Units went back on the shelf (cancel, expiry) and are committed. */
  returned(lines: StockLine[]): Promise<void>
  /** The shelf changed in a way the gate cannot follow (restock, correction): rebuild from the database. */
  forget(productIds: number[]): Promise<void>
}

export interface Admission {
  /**
   * The order did not commit. `short` are the products the database found lacking: the gate was
   * too optimistic for them and rebuilds; the others get their reservation back.
   */
  undo(short: number[]): Promise<void>
}

const nothingToUndo: Admission = { undo: async () => {} }

/** No gate (the embedded default, or no Redis): every buyer reaches the database. */
export const openGate: StockGate = {
  admit: async () => nothingToUndo,
  returned: async () => {},
  forget: async () => {},
}

/** A mirror is rebuilt from the database at least this often, so any drift heals by itself. */
const MIRROR_TTL_MS = 30_000

/**
 * All or nothing over every line: {1} admitted; {0, i, j, ...} lines i, j, ... lack stock (all of
 * them, as the database would name them); {-1} some line has no mirror yet (the caller loads the
 * mirrors from the database and asks again).
 */
const ADMIT = `
local short = {}
for i = 1, #KEYS do
  local left = redis.call('GET', KEYS[i])
  if not left then return { -1 } end
  if tonumber(left) < tonumber(ARGV[i]) then short[#short + 1] = i end
end
if #short > 0 then return { 0, unpack(short) } end
for i = 1, #KEYS do redis.call('DECRBY', KEYS[i], ARGV[i]) end
return { 1 }`
/** Gives units back to mirrors that exist; a missing mirror will be rebuilt from the database anyway. */
const GIVE_BACK = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[i]) end
end
return 1`

/** The stock gate on Redis: one counter per product mirroring its shelf, checked and decremented in Lua. */
export class RedisStockGate implements StockGate {
  private readonly admitScript
  private readonly giveBack

  constructor(
    private readonly redis: RedisHandle,
    private readonly db: Db,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.admitScript = defineScript<number[]>(redis, 'stockAdmit', ADMIT)
    this.giveBack = defineScript<number>(redis, 'stockGiveBack', GIVE_BACK)
  }

  private key(productId: number): string {
    return this.redis.key('stock', productId)
  }

  async admit(lines: StockLine[]): Promise<Admission> {
    if (!this.redis.ready() || lines.length === 0) return nothingToUndo
    const keys = lines.map((l) => this.key(l.productId))
    const quantities = lines.map((l) => l.quantity)
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const [verdict, ...lacking] = await this.admitScript(keys, quantities)
        if (verdict === 1) return { undo: (short) => this.undo(lines, short) }
        if (verdict === 0) {
          const products = lacking.map((i) => lines[i - 1]!.productId).sort((a, b) => a - b)
          throw new AppError(
            'INSUFFICIENT_STOCK',
            `not enough stock for product${products.length > 1 ? 's' : ''} ${products.join(', ')}`,
            { products },
          )
        }
        if (!(await this.load(lines))) return nothingToUndo
      }
    } catch (error) {
      if (error instanceof AppError) throw error
      this.onError(error)
    }
    // Redis is slow or away, or a product is unknown: the database decides alone.
    return nothingToUndo
  }

  /** Seeds missing mirrors from the database (SET NX: a mirror another instance made first wins). */
  private async load(lines: StockLine[]): Promise<boolean> {
    const ids = lines.map((l) => l.productId)
    const { rows } = await sql<{ id: number; stock: number }>`
      select id, stock from products where id in (${sql.join(ids)})`.execute(this.db)
    if (rows.length < ids.length) return false // unknown products: the order path answers 404
    const batch = this.redis.client.multi()
    for (const row of rows) batch.set(this.key(Number(row.id)), Number(row.stock), 'PX', MIRROR_TTL_MS, 'NX')
    await batch.exec()
    return true
  }

  private async undo(lines: StockLine[], short: number[]): Promise<void> {
    const lacking = new Set(short)
    await this.forget(short)
    await this.returned(lines.filter((l) => !lacking.has(l.productId)))
  }

  async returned(lines: StockLine[]): Promise<void> {
    if (lines.length === 0 || !this.redis.ready()) return
    await this.giveBack(
      lines.map((l) => this.key(l.productId)),
      lines.map((l) => l.quantity),
    ).catch(this.onError)
  }

  async forget(productIds: number[]): Promise<void> {
    if (productIds.length === 0 || !this.redis.ready()) return
    await this.redis.client.del(...productIds.map((id) => this.key(id))).catch(this.onError)
  }
}
