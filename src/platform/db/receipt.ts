import type { Db } from './connect.js'

/**
 * A receipt is written in the same transaction as a unit's result, so that both commit or neither
 * does. The HTTP layer's idempotency key is one: the key and its stored answer are written with
 * the order they answer for, so a retry finds either both or neither, and a checkout waits for one
 * round of writes instead of three (docs/architecture.md, "Answers written with their result").
 */
export interface Receipt<T> {
  /** What to write for this result; entries of one book are written together. */
  entry(result: T): ReceiptEntry
}

export interface ReceiptEntry {
  readonly book: ReceiptBook
}

export interface ReceiptBook {
  /** Writes the entries in the caller's transaction; false when any was already taken (nothing is overwritten). */
  write(trx: Db, entries: ReceiptEntry[]): Promise<boolean>
}

/**
 * Someone else's receipt holds the key: this unit must roll back, and its caller answers as the
 * holder was answered. Thrown from inside the unit, so the transaction it aborts is the unit's own.
 */
export class ReceiptTaken extends Error {
  constructor() {
    super('the receipt was written by another request')
  }
}

/** Writes the entries, one statement per book; throws ReceiptTaken when any was taken. */
export async function writeReceipts(trx: Db, entries: ReceiptEntry[]): Promise<void> {
  const books = new Map<ReceiptBook, ReceiptEntry[]>()
  for (const entry of entries) books.set(entry.book, [...(books.get(entry.book) ?? []), entry])
  for (const [book, group] of books) if (!(await book.write(trx, group))) throw new ReceiptTaken()
}

/** Writes one unit's receipt, if it has one. */
export function writeReceipt<T>(trx: Db, receipt: Receipt<T> | undefined, result: T): Promise<void> {
  return receipt ? writeReceipts(trx, [receipt.entry(result)]) : Promise.resolve()
}
