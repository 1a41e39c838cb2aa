export { connectDatabase, type DatabaseHandle, type Db, type PoolObserver } from './connect.js'
export { isDeadlock, isUniqueViolation } from './errors.js'
export { cursorId, type Page, pageOf } from './pagination.js'
export { affected, insertedId } from './raw.js'
export {
  claimReceipt,
  claimReceipts,
  completeReceipt,
  completeReceipts,
  type Receipt,
  type ReceiptBook,
  ReceiptTaken,
  releaseReceipt,
  releaseReceipts,
} from './receipt.js'
export * from './schema.js'
export { transact, type Unit } from './transact.js'
