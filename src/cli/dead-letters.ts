/**
 * The data platform's dead-letter store:
 *   npm run dead-letters -- list [--limit 100]
 *   npm run dead-letters -- replay (--id <event id> ... | --all)
 * `replay` puts parked events back in line with a fresh attempt count and makes one delivery
 * pass at once (running instances would pick them up within a second anyway).
 */
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/index.js'
import { DataPlatformSink, listParked, requeueParked } from '../data-platform/index.js'
import { systemClock } from '../platform/clock/index.js'
import { connectDatabase } from '../platform/db/index.js'

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      limit: { type: 'string', default: '100' },
    },
  })
  const command = positionals[0]
  if (command !== 'list' && command !== 'replay')
    throw new Error('usage: dead-letters list | replay (--id ID ... | --all)')
  const config = loadConfig()
  const handle = connectDatabase(config.databaseUrl, config.dbPool)
  try {
    await handle.migrate()
    const { db } = handle
    if (command === 'list') {
      const rows = await listParked(db, Number(values.limit))
      for (const row of rows) {
        const parkedAt = new Date(Number(row.finished_at)).toISOString()
        process.stdout.write(
          `${row.event_id}  ${row.type}  attempts=${row.attempts}  parked=${parkedAt}  ${row.last_error ?? ''}\n`,
        )
      }
      process.stdout.write(`${rows.length} parked event(s)\n`)
      return
    }
    if (!values.all && !values.id?.length)
      throw new Error('replay needs --id <event id> (repeatable) or --all')
    const requeued = await requeueParked(db, systemClock.now(), values.all ? undefined : values.id)
    process.stdout.write(`${requeued} event(s) back in line\n`)
    if (!config.dataPlatform) {
      process.stdout.write('DATA_PLATFORM_URL is not set here: a running instance will deliver them\n')
      return
    }
    const sink = new DataPlatformSink({ db, clock: systemClock, ...config.dataPlatform })
    const attempted = await sink.flush()
    const stillParked = (await listParked(db)).length
    process.stdout.write(`${attempted} delivery attempt(s) made; ${stillParked} event(s) parked now\n`)
  } finally {
    await handle.close()
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exit(1)
})
