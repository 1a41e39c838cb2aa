/** Starts Floodgate: `npm start`. Configuration comes from the environment (see README). */
import { mintToken } from './auth/index.js'
import { ConfigError, loadConfig } from './config/index.js'
import { storefrontBuilt } from './http/storefront.js'
import { createRuntime } from './runtime.js'
import { DEMO_ADMIN, DEMO_CUSTOMERS } from './seed/index.js'

async function main() {
  const config = loadConfig()
  const runtime = await createRuntime(config, {
    logger: {
      level: config.logLevel,
      // Tokens are credentials: never log them, even at debug level.
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
  })
  const { app } = runtime
  await app.listen({ port: config.port, host: config.host })
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${(app.server.address() as { port: number }).port}`

  const lines = [
    ``,
    `Floodgate is serving ${base}`,
    `  API reference: ${base}/docs   OpenAPI: ${base}/openapi.json`,
  ]
  if (config.storefrontDir) {
    lines.push(
      storefrontBuilt(config.storefrontDir)
        ? `  Storefront: ${base}/${config.demoSignIn ? ' (demo sign-in offered)' : ''}`
        : `  Storefront not built (${config.storefrontDir} has no index.html): npm run build:web`,
    )
  }
  if (runtime.secret && !config.jwt.secret) {
    // Only the generated demo secret gets printed tokens; a configured secret belongs to someone else.
    const customer = await mintToken(runtime.secret, {
      userId: DEMO_CUSTOMERS[0]!.id,
      ttlSeconds: 7 * 24 * 3600,
    })
    const admin = await mintToken(runtime.secret, {
      userId: DEMO_ADMIN.id,
      role: 'admin',
      ttlSeconds: 7 * 24 * 3600,
    })
    lines.push(
      `  Demo customer (user ${DEMO_CUSTOMERS[0]!.id}) token, valid 7 days:`,
      `    export TOKEN=${customer}`,
      `  Demo admin (user ${DEMO_ADMIN.id}) token:`,
      `    export ADMIN_TOKEN=${admin}`,
      `  More tokens: npm run token -- --user 2 [--admin] [--ttl 1h]`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n\n`)

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
