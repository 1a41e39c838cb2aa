/** Where and on what the numbers were measured: commit, date, machine. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import { ROOT } from './server.js'

export interface Environment {
  command: string
  commit: string
  date: string
  cpuModel: string
  cores: number
  memoryGiB: number
  node: string
  loadAverage: string
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
}

function commitLabel(): string {
  try {
    const sha = git('rev-parse', '--short', 'HEAD')
    return git('status', '--porcelain') === '' ? sha : `${sha}+dirty`
  } catch {
    return 'unknown (not a git checkout)'
  }
}

/** The command as typed, reconstructed from how this process was started. */
function commandLine(args: string[]): string {
  const rest = args.map((a) => (/^[\w./=:-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')
  if (process.env['npm_lifecycle_event'] === 'bench') return `npm run bench${rest ? ` -- ${rest}` : ''}`
  return `tsx bench/run.ts${rest ? ` ${rest}` : ''}`
}

export function describeEnvironment(args: string[]): Environment {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8')
  const models = [...cpuinfo.matchAll(/^model name\s*:\s*(.+)$/gm)].map((m) => m[1]!.trim())
  const processors = [...cpuinfo.matchAll(/^processor\s*:/gm)].length
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0)
  return {
    command: commandLine(args),
    commit: commitLabel(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpuModel: models[0] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: processors || os.availableParallelism(),
    memoryGiB: memKb / 1024 / 1024,
    node: process.version,
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
  }
}
