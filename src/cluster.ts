/**
 * `npm start -- --workers N`: a primary process that prepares the database once (migrations, demo
 * seed, the demo secret), then forks N workers that serve the same port (node:cluster hands each
 * new connection to the next worker). A worker that dies is replaced; SIGTERM/SIGINT drain them all.
 */
import cluster, { type Worker } from 'node:cluster'
import { loadOrCreateDemoSecret } from './auth/index.js'
import type { Config } from './config/index.js'
import { systemClock } from './platform/clock/index.js'
import { connectDatabase } from './platform/db/index.js'
import { seedDemo } from './seed/index.js'

export async function runPrimary(config: Config, announce: (port: number) => Promise<void>): Promise<void> {
  const handle = connectDatabase(config.databaseUrl, config.dbPool)
  try {
    await handle.migrate()
    if (config.seed === 'demo') await seedDemo({ db: handle.db, clock: systemClock })
  } finally {
    await handle.close()
  }
  if (!config.jwt.secret && !config.jwt.jwksUrl) loadOrCreateDemoSecret(config.dataDir)

  let stopping = false
  let listening = 0
  const fork = () => {
    const worker = cluster.fork()
    worker.once('listening', (address) => {
      if (++listening === config.workers) void announce(address.port)
    })
  }
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    process.stderr.write(`worker ${worker.process.pid} died (${signal ?? code}); starting another\n`)
    // A worker that dies at start would otherwise be re-forked in a tight loop.
    setTimeout(fork, 1_000).unref()
  })
  for (let i = 0; i < config.workers; i++) fork()

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal)
    setTimeout(() => process.exit(1), 20_000).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
