/**
 * Which database the HTTP suite runs on. By default each test app gets a private in-memory SQLite
 * database; with FLOODGATE_TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306) each gets a fresh
 * MySQL/MariaDB database that is dropped when the app closes (`npm run test:mysql`).
 * Test infrastructure, not application config: the application reads its settings in src/config.
 */
import { randomBytes } from 'node:crypto'
import { createConnection } from 'mysql2/promise'

const serverUrl = process.env['FLOODGATE_TEST_MYSQL_URL']

export const testBackend = serverUrl ? 'mysql' : 'sqlite'

/** Options for a test that needs a shared server database: it runs in `npm run test:mysql`, and says so elsewhere. */
export const needsServerDatabase = serverUrl
  ? {}
  : { skip: 'needs a shared server database: runs in npm run test:mysql' }

export interface TestDatabase {
  url: string
  drop(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!serverUrl) return { url: 'sqlite::memory:', drop: async () => {} }
  const name = `floodgate_t_${randomBytes(6).toString('hex')}`
  const admin = await createConnection(serverUrl)
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`)
  } finally {
    await admin.end()
  }
  return {
    url: `${serverUrl.replace(/\/$/, '')}/${name}`,
    async drop() {
      const conn = await createConnection(serverUrl)
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
      } finally {
        await conn.end()
      }
    },
  }
}
