export { connectDatabase, type DatabaseHandle, type Db } from './connect.js'
export { isUniqueViolation } from './errors.js'
export { cursorId, type Page, pageOf } from './pagination.js'
export * from './schema.js'
