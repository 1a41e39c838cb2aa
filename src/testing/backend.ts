/**
 * Which database the HTTP suite runs on. By default each test app gets a private in-memory SQLite
 * database; with FLOODGATE_TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306) each gets a fresh
 * MySQL/MariaDB database that is dropped when the app closes (`npm run test:mysql`).
 * Test infrastructure, not application config: the application reads its settings in src/config.
 */
import { randomBytes } from 'node:crypto'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { createConnection } from 'mysql2/promise'
import { deleteKeys } from '../platform/redis/index.js'

const serverUrl = process.env['FLOODGATE_TEST_MYSQL_URL']
const redisUrl = process.env['FLOODGATE_TEST_REDIS_URL']
const natsUrl = process.env['FLOODGATE_TEST_NATS_URL']

export const testBackend = serverUrl ? 'mysql' : 'sqlite'

/** Options for a test that needs a shared server database: it runs in `npm run test:mysql`, and says so elsewhere. */
export const needsServerDatabase = serverUrl
  ? {}
  : { skip: 'needs a shared server database: runs in npm run test:mysql' }

const configured = { mysql: serverUrl, redis: redisUrl, nats: natsUrl }
const names = { mysql: 'MariaDB', redis: 'Redis', nats: 'NATS with JetStream' }

/**
 * Options for a test that needs these production services: it runs in `npm run test:services`
 * (CI makes that pass required) and says what it skipped everywhere else.
 */
export function needsServices(...services: (keyof typeof configured)[]): { skip?: string } {
  const missing = services.filter((s) => !configured[s])
  return missing.length === 0
    ? {}
    : { skip: `needs ${services.map((s) => names[s]).join(', ')}: runs in npm run test:services` }
}

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

export interface TestServices {
  /** Configuration naming this app's own key prefix and stream. */
  env: Record<string, string>
  drop(): Promise<void>
}

/**
 * Production mode's shared services for one test app, when the suite runs against them
 * (FLOODGATE_TEST_REDIS_URL, FLOODGATE_TEST_NATS_URL): a private Redis key prefix and a private
 * JetStream stream, both removed afterwards, so runs never see each other.
 */
export async function createTestServices(): Promise<TestServices> {
  const id = randomBytes(6).toString('hex')
  const env: Record<string, string> = {}
  if (redisUrl) Object.assign(env, { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `floodgate-t-${id}:` })
  if (natsUrl) {
    Object.assign(env, {
      NATS_URL: natsUrl,
      NATS_STREAM: `FLOODGATE_T_${id}`,
      NATS_SUBJECT_PREFIX: `floodgate-t-${id}`,
    })
  }
  await assertReachable()
  return {
    env,
    async drop() {
      if (redisUrl) {
        const { Redis } = await import('ioredis')
        const client = new Redis(redisUrl)
        try {
          await deleteKeys(client, env['REDIS_KEY_PREFIX']!)
        } finally {
          client.disconnect()
        }
      }
      if (natsUrl) {
        const nc = await connect({ servers: natsUrl })
        try {
          const jsm = await jetstreamManager(nc)
          await jsm.streams.delete(env['NATS_STREAM']!).catch(() => false)
        } finally {
          await nc.close()
        }
      }
    },
  }
}

let reachable: Promise<void> | undefined
/** A service the suite was told to use must answer: a run never passes quietly without it. */
function assertReachable(): Promise<void> {
  reachable ??= (async () => {
    if (redisUrl) {
      const { Redis } = await import('ioredis')
      const client = new Redis(redisUrl, {
        maxRetriesPerRequest: 0,
        lazyConnect: true,
        retryStrategy: () => null,
      })
      try {
        await client.connect()
        await client.ping()
      } catch (error) {
        throw new Error(`FLOODGATE_TEST_REDIS_URL=${redisUrl} is unreachable: ${(error as Error).message}`)
      } finally {
        client.disconnect()
      }
    }
    if (natsUrl) {
      try {
        const nc = await connect({ servers: natsUrl, timeout: 2_000 })
        await (await jetstreamManager(nc)).getAccountInfo()
        await nc.close()
      } catch (error) {
        throw new Error(
          `FLOODGATE_TEST_NATS_URL=${natsUrl} is unreachable or lacks JetStream: ${(error as Error).message}`,
        )
      }
    }
  })()
  return reachable
}
