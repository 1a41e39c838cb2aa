#!/usr/bin/env node
// The `floodgate` command: `floodgate loadtest ...` runs the load tester (loadtest/cli.ts) through tsx,
// so the TypeScript sources run as they are, like every npm script here.
import { register } from 'tsx/esm/api'

const [command, ...args] = process.argv.slice(2)
if (command !== 'loadtest') {
  process.stderr.write(
    'usage: floodgate loadtest [run|seed|compare|capacity] ... (floodgate loadtest help)\n',
  )
  process.exit(2)
}
register()
const { main } = await import('../loadtest/cli.ts')
process.exitCode = await main(args)
