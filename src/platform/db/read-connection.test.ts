import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { sql } from 'kysely'
import { connectDatabase } from './connect.js'
import { transact } from './transact.js'

test('reads on the read connection see the last commit and never wait behind an open write batch', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floodgate-read-'))
  const handle = connectDatabase(`sqlite:${dir}/shop.db`)
  try {
    await handle.migrate()
    await sql`insert into products (name, price, stock, stock_added, created_at, updated_at)
      values ('p', 1, 10, 10, 0, 0)`.execute(handle.db)
    const stock = async () =>
      Number(
        (await sql<{ stock: number }>`select stock from products where id = 1`.execute(handle.readDb))
          .rows[0]!.stock,
      )

    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let written!: () => void
    const wrote = new Promise<void>((resolve) => {
      written = resolve
    })
    const unit = transact(handle.db, async (trx) => {
      await sql`update products set stock = stock - 3 where id = 1`.execute(trx)
      written()
      await held // the write batch stays open
    })
    await wrote
    assert.equal(await stock(), 10, 'an uncommitted write is invisible, and the read did not wait for it')
    release()
    await unit
    assert.equal(await stock(), 7, 'a committed write is visible to the next read')
  } finally {
    await handle.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
