/**
 * Drafts a postmortem from what the running instances recorded (alert transitions and per-minute
 * counts in the database), for a person to finish:
 *   npm run incident -- --since 2026-12-01T09:00Z --until 2026-12-01T10:30Z [--title "..."] [--out file.md]
 * Times are ISO 8601 (UTC when no offset is given). Reads DATABASE_URL like the server.
 */
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/index.js'
import { draftPostmortem, incidentFigures } from '../observability/incident.js'
import { connectDatabase } from '../platform/db/index.js'

const TEMPLATE = new URL('../../docs/postmortem-template.md', import.meta.url)

function parseTime(name: string, text: string | undefined): number {
  if (!text) throw new Error(`usage: incident --since <ISO time> --until <ISO time>; --${name} is missing`)
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`
  const ms = Date.parse(zoned)
  if (Number.isNaN(ms)) throw new Error(`--${name} ${text} is not an ISO 8601 time`)
  return ms
}

async function main() {
  const { values } = parseArgs({
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      title: { type: 'string', default: 'incident' },
      out: { type: 'string' },
    },
  })
  const since = parseTime('since', values.since)
  const until = parseTime('until', values.until)
  if (until <= since) throw new Error('--until must be after --since')
  const config = loadConfig()
  const handle = connectDatabase(config.databaseUrl, config.dbPool)
  try {
    await handle.migrate()
    const figures = await incidentFigures(handle.db, since, until)
    const draft = draftPostmortem(fs.readFileSync(TEMPLATE, 'utf8'), figures, values.title)
    if (values.out) {
      fs.writeFileSync(values.out, draft)
      process.stdout.write(`wrote ${values.out}\n`)
    } else process.stdout.write(draft)
  } finally {
    await handle.close()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
