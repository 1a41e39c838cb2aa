/**
 * Starts Floodgate: `npm start [-- --workers N|auto]`. Configuration comes from the environment
 * (see README); `--workers` forks that many serving processes (src/cluster.ts).
 */
import cluster from 'node:cluster'
import { loadOrCreateDemoSecret, mintToken } from './auth/index.js'
import { runPrimary } from './cluster.js'
import { type Config, ConfigError, loadProcessConfig } from './config/index.js'
import { storefrontBuilt } from './http/storefront.js'
import { createRuntime } from './runtime.js'
import { DEMO_ADMIN, DEMO_CUSTOMERS } from './seed/index.js'

async function main() {
  const config = loadProcessConfig()
  const announce = (port: number) => printBanner(config, port)
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, announce)

  const worker = cluster.isWorker
  const runtime = await createRuntime(config, {
    logger: {
      level: config.logLevel,
      // Tokens are credentials: never log them, even at debug level.
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    // Siblings share the database; the primary has migrated and seeded it already.
    ...(worker ? { sharedDatabase: true, prepare: false } : {}),
  })
  const { app } = runtime
  // A surge of new connections waits in the kernel's accept queue instead of being refused; Node's
  // default (511) overflows when thousands of clients connect at once. Linux caps it at somaxconn.
  await app.listen({ port: config.port, host: config.host, backlog: config.http.backlog })
  if (!worker) await announce((app.server.address() as { port: number }).port)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight')
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    await runtime.close()
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

async function printBanner(config: Config, port: number): Promise<void> {
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  const lines = [
    ``,
    `Floodgate is serving ${base}${config.workers > 1 ? ` with ${config.workers} workers` : ''}`,
    `  API reference: ${base}/docs   OpenAPI: ${base}/openapi.json`,
  ]
  if (config.storefrontDir) {
    lines.push(
      storefrontBuilt(config.storefrontDir)
        ? `  Storefront: ${base}/${config.demoSignIn ? ' (demo sign-in offered)' : ''}`
        : `  Storefront not built (${config.storefrontDir} has no index.html): npm run build:web`,
    )
  }
  if (!config.jwt.secret && !config.jwt.jwksUrl) {
    // Only the generated demo secret gets printed tokens; a configured secret belongs to someone else.
    const secret = loadOrCreateDemoSecret(config.dataDir)
    const week = 7 * 24 * 3600
    const customer = await mintToken(secret, { userId: DEMO_CUSTOMERS[0]!.id, ttlSeconds: week })
    const admin = await mintToken(secret, { userId: DEMO_ADMIN.id, role: 'admin', ttlSeconds: week })
    lines.push(
      `  Demo customer (user ${DEMO_CUSTOMERS[0]!.id}) token, valid 7 days:`,
      `    export TOKEN=${customer}`,
      `  Demo admin (user ${DEMO_ADMIN.id}) token:`,
      `    export ADMIN_TOKEN=${admin}`,
      `  More tokens: npm run token -- --user 2 [--admin] [--ttl 1h]`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n\n`)
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`)
  } else {
    process.stderr.write(
      `Floodgate failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
  }
  process.exit(1)
})
