/**
 * After a deploy: `npm run smoke -- --target https://shop.example [--token <customer JWT>]`.
 * Exits non-zero when any documented endpoint fails or breaks the contract.
 */
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { formatChecks, runSmoke } from '../contract/smoke.js'

async function main() {
  const { values } = parseArgs({ options: { target: { type: 'string' }, token: { type: 'string' } } })
  if (!values.target) throw new Error('usage: npm run smoke -- --target URL [--token JWT]')
  const spec = JSON.parse(fs.readFileSync(new URL('../../openapi/v1.json', import.meta.url), 'utf8'))
  const checks = await runSmoke({ target: values.target, spec, token: values.token })
  process.stdout.write(formatChecks(checks))
  if (checks.some((c) => !c.ok)) process.exit(1)
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exit(2)
})
