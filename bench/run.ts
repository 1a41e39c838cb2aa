/**
 * The benchmark suite: `npm run bench [-- --only <name>] [--quick] [--cpu-prof] [--write]`.
 *
 *   --suite <name> core (default: the embedded default) or production (MariaDB + Redis, two instances)
 *   --only <name>  run one benchmark of the suite: product-read, hot-product, memory; fleet-hot-product,
 *                  soldout-storm, top-products-expiry
 *   --quick        short durations, a smoke check (numbers are not comparable)
 *   --cpu-prof     always profile a separate hot-product run (done anyway when a target is missed)
 *   --write        write docs/benchmarks.md even for --quick or --only runs
 *
 * A full run rewrites the `bench:core` section of docs/benchmarks.md; partial and quick runs only
 * print it, so a smoke check never replaces published numbers. Exits 1 when a benchmark fails to
 * run or a correctness check (oversell) fails; a missed performance target is reported, not fatal.
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Benchmark } from './lib/context.js'
import { describeEnvironment } from './lib/environment.js'
import { type BenchReport, renderSection, writeSection } from './lib/report.js'
import { ROOT } from './lib/server.js'
import { hotProduct } from './scenarios/hot-product.js'
import { memory } from './scenarios/memory.js'
import { productRead } from './scenarios/product-read.js'
import { fleetHotProduct, soldoutStorm, topProductsExpiry } from './scenarios/production.js'

/** Suites, each a section of docs/benchmarks.md: `core` (embedded default), `production` (MariaDB + Redis). */
const SUITES: Record<string, { heading: string; benchmarks: Benchmark[] }> = {
  core: { heading: 'Core benchmarks', benchmarks: [productRead, hotProduct, memory] },
  production: {
    heading: 'Production mode (MariaDB + Redis, two instances)',
    benchmarks: [fleetHotProduct, soldoutStorm, topProductsExpiry],
  },
}
const DOC = path.join(ROOT, 'docs', 'benchmarks.md')

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const { values } = parseArgs({
    args,
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      suite: { type: 'string', default: 'core' },
    },
  })
  const suite = SUITES[values.suite!]
  if (!suite) throw new Error(`--suite must be one of ${Object.keys(SUITES).join(', ')}`)
  const BENCHMARKS = suite.benchmarks
  const selected = values.only ? BENCHMARKS.filter((b) => b.name === values.only) : BENCHMARKS
  if (selected.length === 0) {
    throw new Error(`--only must be one of ${BENCHMARKS.map((b) => b.name).join(', ')}; got "${values.only}"`)
  }
  const env = describeEnvironment(args)
  const log = (message: string) => process.stderr.write(`${message}\n`)
  log(`floodgate bench: ${env.commit}, ${env.cpuModel} × ${env.cores}, Node ${env.node}`)

  const reports: BenchReport[] = []
  let failed = false
  for (const bench of selected) {
    log(`${bench.name}:`)
    const started = Date.now()
    try {
      const report = await bench.run({ quick: values.quick, cpuProf: values['cpu-prof'], log })
      reports.push(report)
      for (const c of report.checks) {
        log(`  ${c.pass ? 'PASS' : 'FAIL'} ${c.metric}: ${c.measured} (target ${c.target})`)
        if (!c.pass && c.kind === 'correctness') failed = true
      }
    } catch (error) {
      failed = true
      log(`  ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      reports.push({
        name: bench.name,
        title: `${bench.name}: did not complete`,
        setup: [],
        facts: [],
        checks: [],
        notes: [`Error: \`${error instanceof Error ? error.message.split('\n')[0] : String(error)}\``],
      })
    }
    log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`)
  }

  const section = renderSection(env, reports, values.quick)
  process.stdout.write(`${section}\n`)
  if ((!values.quick && !values.only) || values.write) {
    writeSection(DOC, values.suite!, section, suite.heading)
    log(`wrote ${path.relative(ROOT, DOC)} (section bench:${values.suite})`)
  } else {
    log(`not written to ${path.relative(ROOT, DOC)} (partial or quick run; add --write to write it)`)
  }
  return failed ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
