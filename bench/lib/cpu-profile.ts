/** Summarises a V8 .cpuprofile (written by `node --cpu-prof`): where the server's time went. */
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from './server.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  startTime: number
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  /** Main-thread wall time covered (sampled), split into busy and idle. */
  busyMs: number
  idleMs: number
  top: { name: string; location: string; area: string; selfMs: number }[]
  areas: { area: string; selfMs: number }[]
}

function location(url: string, line: number): string {
  if (!url) return ''
  let file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url
  if (file.startsWith(ROOT + path.sep)) file = file.slice(ROOT.length + 1)
  // Code run through tsx often reports line 1 (transpiled positions); a file name is all we know then.
  return line > 0 ? `${file}:${line + 1}` : file
}

/** The package, source module or engine bucket a frame belongs to. */
function areaOf(name: string, url: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8 builtins)'
  if (url.startsWith('node:')) return 'node: internals'
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules) return modules[1]!
  const src = /\/src\/([^/]+)/.exec(url)
  if (src) return `src/${src[1]}`
  return 'other'
}

/**
 * Self time per function. With `window` (CLOCK_MONOTONIC microseconds, the profile's clock, e.g.
 * from a load run's `cpu.window`), only samples taken inside it count: the measured run, not startup.
 * Note that V8 samples wall time: a function blocked in a system call keeps collecting samples.
 */
export function summariseProfile(
  file: string,
  window?: { fromUs: number; toUs: number },
  topN = 15,
): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  let at = profile.startTime
  // Sample i is taken at startTime + sum(timeDeltas[0..i]) and lasts timeDeltas[i + 1].
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0
    if (window && (at < window.fromUs || at > window.toUs)) continue
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0))
  }
  const functions = new Map<string, { name: string; location: string; area: string; us: number }>()
  const areas = new Map<string, number>()
  let idleUs = 0
  let busyUs = 0
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    const name = functionName || '(anonymous)'
    if (name === '(idle)') {
      idleUs += us
      continue
    }
    busyUs += us
    const loc = location(url, lineNumber)
    const area = areaOf(name, url)
    const key = `${name}@${loc}`
    const entry = functions.get(key) ?? { name, location: loc, area, us: 0 }
    entry.us += us
    functions.set(key, entry)
    areas.set(area, (areas.get(area) ?? 0) + us)
  }
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    top: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({ name: f.name, location: f.location, area: f.area, selfMs: f.us / 1000 })),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, selfMs: us / 1000 })),
  }
}

export function renderProfile(summary: ProfileSummary, heading: string): string {
  const share = (ms: number) => `${((ms / summary.busyMs) * 100).toFixed(1)}%`
  const lines = [
    heading,
    '',
    `Main thread busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms; shares are of busy time. ` +
      'V8 samples wall-clock time, so time spent blocked in a system call or waiting for a CPU on a busy ' +
      'machine is charged to the function that was running.',
    '',
    '| Area | Self time | Share |',
    '|---|---|---|',
    ...summary.areas
      .slice(0, 12)
      .map((a) => `| ${a.area} | ${a.selfMs.toFixed(0)} ms | ${share(a.selfMs)} |`),
    '',
    '| Function (top self time) | Where | Self time | Share |',
    '|---|---|---|---|',
    ...summary.top.map(
      (f) =>
        `| \`${f.name}\` | ${f.location ? `\`${f.location}\`` : f.area} | ${f.selfMs.toFixed(0)} ms | ${share(f.selfMs)} |`,
    ),
  ]
  return lines.join('\n')
}

/** The newest .cpuprofile in a directory. */
export function findProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]
}
