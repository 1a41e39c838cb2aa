import type { Db } from './connect.js'

/**
 * A receipt is written in the same transaction as a unit's result, so that both commit or neither
 * does. The HTTP layer's idempotency key is one: the key and its stored answer are written with
 * the order they answer for, so a retry finds either both or neither, and a checkout waits for one
 * transaction instead of three (docs/architecture.md, "Answers written with their result").
 *
 * The unit claims its receipt first, before any other write: two requests with one key then queue
 * on the key's row, and the second finds it taken before it touches a wallet or a shelf.
 */
export interface Receipt<T> {
  readonly book: ReceiptBook
  /** What the receipt records for the unit's result. */
  answer(result: T): unknown
}

/** Where receipts are kept; each call is one statement for all the receipts it is given. */
export interface ReceiptBook {
  /** Claims the receipts in the caller's transaction: true for each this unit now holds. */
  claim(trx: Db, receipts: Receipt<unknown>[]): Promise<boolean[]>
  /** Writes the answers of receipts this transaction claimed. */
  complete(trx: Db, done: { receipt: Receipt<unknown>; answer: unknown }[]): Promise<void>
  /** Gives up claims this transaction made (their units go elsewhere). */
  release(trx: Db, receipts: Receipt<unknown>[]): Promise<void>
}

/**
 * Someone else holds the receipt: this unit must roll back, and its caller answers as the holder
 * was answered. Thrown from inside the unit, so the transaction it aborts is the unit's own.
 */
export class ReceiptTaken extends Error {
  constructor() {
    super('the receipt is held by another request')
  }
}

/** Claims one unit's receipt, if it has one; throws ReceiptTaken when another request holds it. */
export async function claimReceipt(trx: Db, receipt: Receipt<never> | undefined): Promise<void> {
  if (!receipt) return
  const [held] = await receipt.book.claim(trx, [receipt as Receipt<unknown>])
  if (!held) throw new ReceiptTaken()
}

/** Writes one unit's answer under the receipt it claimed, if it has one. */
export async function completeReceipt<T>(trx: Db, receipt: Receipt<T> | undefined, result: T): Promise<void> {
  if (receipt)
    await receipt.book.complete(trx, [
      { receipt: receipt as Receipt<unknown>, answer: receipt.answer(result) },
    ])
}

/** Groups receipts by book, so that each book is written once; `at` are their places in the input. */
function byBook<R extends { book: ReceiptBook }>(items: R[]): Map<ReceiptBook, { item: R; at: number }[]> {
  const books = new Map<ReceiptBook, { item: R; at: number }[]>()
  items.forEach((item, at) => {
    const group = books.get(item.book) ?? []
    group.push({ item, at })
    books.set(item.book, group)
  })
  return books
}

/** Claims many units' receipts (a batch of orders): true for each now held, one statement per book. */
export async function claimReceipts(trx: Db, receipts: Receipt<never>[]): Promise<boolean[]> {
  const held: boolean[] = []
  for (const [book, group] of byBook(receipts)) {
    const won = await book.claim(
      trx,
      group.map((g) => g.item as Receipt<unknown>),
    )
    group.forEach((g, i) => {
      held[g.at] = won[i]!
    })
  }
  return held
}

/** Writes many units' answers under receipts they claimed. */
export async function completeReceipts<T>(
  trx: Db,
  done: { receipt: Receipt<T>; result: T }[],
): Promise<void> {
  const entries = done.map(({ receipt, result }) => ({
    book: receipt.book,
    receipt: receipt as Receipt<unknown>,
    answer: receipt.answer(result),
  }))
  for (const [book, group] of byBook(entries))
    await book.complete(
      trx,
      group.map((g) => g.item),
    )
}

/** Gives up claims of units that will run elsewhere. */
export async function releaseReceipts(trx: Db, receipts: Receipt<never>[]): Promise<void> {
  for (const [book, group] of byBook(receipts))
    await book.release(
      trx,
      group.map((g) => g.item as Receipt<unknown>),
    )
}

/** Gives up one unit's claim when it commits without an answer of its own (a refusal it records). */
export function releaseReceipt(trx: Db, receipt: Receipt<never> | undefined): Promise<void> {
  return receipt ? releaseReceipts(trx, [receipt]) : Promise.resolve()
}
