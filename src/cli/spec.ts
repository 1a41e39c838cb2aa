/**
 * The committed API contract:
 *   npm run spec              write openapi/v1.json (and the typed client) from the routes
 *   npm run spec -- --check   fail if the code's contract differs from the committed one
 *   npm run spec -- --breaking   fail if openapi/v1.json breaks clients of openapi/released/v1.json
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { clientTypes } from '../contract/client-types.js'
import { breakingChanges, generateSpec, specText } from '../contract/index.js'

const root = path.resolve(import.meta.dirname, '../..')
const SPEC = path.join(root, 'openapi/v1.json')
const RELEASED = path.join(root, 'openapi/released/v1.json')
const CLIENT = path.join(root, 'client/schema.d.ts')

async function main() {
  const { values } = parseArgs({ options: { check: { type: 'boolean' }, breaking: { type: 'boolean' } } })
  if (values.breaking) {
    const changes = breakingChanges(
      JSON.parse(fs.readFileSync(RELEASED, 'utf8')),
      JSON.parse(fs.readFileSync(SPEC, 'utf8')),
    )
    for (const c of changes)
      process.stdout.write(`BREAKING ${c.action} ${c.path}${c.description ? ` — ${c.description}` : ''}\n`)
    if (changes.length > 0) {
      process.stdout.write(
        `\n${changes.length} breaking change(s) to /api/v1. Put them in a new version (/api/v2) and keep v1 served; see docs/api-changes.md.\n`,
      )
      process.exit(1)
    }
    process.stdout.write('no breaking changes against the released v1 contract\n')
    return
  }
  const text = specText(await generateSpec())
  const types = await clientTypes(text)
  if (values.check) {
    const stale = [
      fs.readFileSync(SPEC, 'utf8') !== text && 'openapi/v1.json',
      fs.readFileSync(CLIENT, 'utf8') !== types && 'client/schema.d.ts',
    ].filter(Boolean)
    if (stale.length > 0) {
      process.stdout.write(
        `${stale.join(' and ')} differ from the code. Run \`npm run spec\` and review the diff.\n`,
      )
      process.exit(1)
    }
    process.stdout.write('the committed contract matches the code\n')
    return
  }
  fs.writeFileSync(SPEC, text)
  fs.mkdirSync(path.dirname(CLIENT), { recursive: true })
  fs.writeFileSync(CLIENT, types)
  process.stdout.write('wrote openapi/v1.json and client/schema.d.ts\n')
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`)
  process.exit(1)
})
