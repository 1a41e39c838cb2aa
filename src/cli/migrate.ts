/** Applies pending migrations and exits: `npm run migrate`. The server also migrates on start. */
import { loadConfig, redactUrl } from '../config/index.js'
import { connectDatabase } from '../platform/db/index.js'

async function main() {
  const config = loadConfig()
  const handle = connectDatabase(config.databaseUrl, config.dbPool)
  try {
    await handle.migrate()
    process.stdout.write(`migrations applied to ${redactUrl(config.databaseUrl)}\n`)
  } finally {
    await handle.close()
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exit(1)
})
