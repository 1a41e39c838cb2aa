/** Benchmark results and their Markdown rendering into a marked section of docs/benchmarks.md. */
import fs from 'node:fs'
import path from 'node:path'
import type { Environment } from './environment.js'

export interface Check {
  metric: string
  measured: string
  target: string
  pass: boolean
  /** A correctness check (e.g. no oversell) fails the run; a performance miss is only reported. */
  kind: 'performance' | 'correctness'
}

export interface BenchReport {
  name: string
  title: string
  /** How it was run: tool settings, data, durations. */
  setup: string[]
  /** Measured values that have no target (context for the checks). */
  facts: [string, string][]
  checks: Check[]
  /** Extra Markdown (observations, profile summaries). */
  notes: string[]
}

const verdict = (c: Check) => (c.pass ? 'PASS' : '**FAIL**')

export function renderSection(env: Environment, reports: BenchReport[], quick: boolean): string {
  const out: string[] = []
  out.push(`### Latest run${quick ? ' (quick smoke check: short durations, not comparable)' : ''}`, '')
  out.push('| | |', '|---|---|')
  out.push(`| Command | \`${env.command}\` |`)
  out.push(`| Commit | \`${env.commit}\` |`)
  out.push(`| Date | ${env.date} |`)
  out.push(`| CPU | ${env.cpuModel}, ${env.cores} cores |`)
  out.push(`| Memory | ${env.memoryGiB.toFixed(1)} GiB |`)
  out.push(`| Node | ${env.node} |`)
  out.push(`| Load average at start (1/5/15 min) | ${env.loadAverage} |`)
  out.push('')
  out.push('| Benchmark | Metric | Measured | Target | Result |', '|---|---|---|---|---|')
  for (const r of reports) {
    for (const c of r.checks) {
      out.push(`| ${r.name} | ${c.metric} | ${c.measured} | ${c.target} | ${verdict(c)} |`)
    }
  }
  for (const r of reports) {
    out.push('', `#### ${r.title} (\`--only ${r.name}\`)`, '')
    for (const line of r.setup) out.push(`- ${line}`)
    if (r.facts.length > 0) {
      out.push('', '| Measurement | Value |', '|---|---|')
      for (const [k, v] of r.facts) out.push(`| ${k} | ${v} |`)
    }
    for (const note of r.notes) out.push('', note)
  }
  return out.join('\n')
}

const FILE_HEADER = `# Benchmarks

Measured by \`npm run bench\` (bench/run.ts): each benchmark starts the real server as a child
process on a fresh SQLite database and drives it with autocannon from the bench process, over
127.0.0.1. \`--quick\` runs short durations as a smoke check; \`--only <name>\` runs one benchmark.
Sections between \`bench:*\` markers are rewritten by the tool; edit outside them.
`

/** Replaces the text between `<!-- bench:<section>:start -->` and `:end -->`, creating either as needed. */
export function writeSection(file: string, section: string, body: string, heading: string): void {
  const start = `<!-- bench:${section}:start -->`
  const end = `<!-- bench:${section}:end -->`
  const block = `${start}\n${body.trim()}\n${end}`
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : FILE_HEADER
  const from = current.indexOf(start)
  const to = current.indexOf(end)
  let next: string
  if (from !== -1 && to > from) {
    next = current.slice(0, from) + block + current.slice(to + end.length)
  } else {
    next = `${current.trimEnd()}\n\n## ${heading}\n\n${block}\n`
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, next)
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  ms: (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`,
  mb: (n: number) => `${n.toFixed(1)} MB`,
  pct: (n: number) => `${(n * 100).toFixed(0)}%`,
  /** CPU use in cores: 1.00 = one core fully busy. */
  cores: (n: number) => n.toFixed(2),
  /** Seconds → microseconds. */
  us: (seconds: number) => `${Math.round(seconds * 1e6)} µs`,
}
