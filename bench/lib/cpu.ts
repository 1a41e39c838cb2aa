/**
 * CPU use during a load run, in cores (1.00 = one core fully busy): the server process, this
 * process (autocannon runs here) and everything else on the shared machine, from /proc.
 */
import fs from 'node:fs'

/** CLOCK_MONOTONIC microseconds: the clock V8 CPU profiles use, so windows line up with them. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n)

export interface CpuSample {
  atUs: number
  /** CPU seconds used so far. */
  server: number
  /** Of which in the kernel (system time): sockets, TCP, epoll. */
  serverSystem: number
  self: number
  machine: number
}

export interface CpuUsage {
  serverCpu: number
  loadCpu: number
  otherCpu: number
  window: { fromUs: number; toUs: number }
}

const USER_HZ = 100 // Linux reports /proc CPU times in 1/100 s

/** User and system seconds of a process (all threads), /proc/<pid>/stat fields 14 and 15. */
function processSeconds(pid: number): { user: number; system: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: Number(fields[11]) / USER_HZ, system: Number(fields[12]) / USER_HZ }
}

/** Busy seconds of all cores (user, nice, system, irq, softirq, steal), from /proc/stat. */
function machineSeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / USER_HZ
}

export function sampleCpu(pid: number): CpuSample {
  const self = process.cpuUsage()
  const server = processSeconds(pid)
  return {
    atUs: nowUs(),
    server: server.user + server.system,
    serverSystem: server.system,
    self: (self.user + self.system) / 1e6,
    machine: machineSeconds(),
  }
}

export function usageBetween(a: CpuSample, b: CpuSample): CpuUsage {
  const wall = Math.max(1e-6, (b.atUs - a.atUs) / 1e6)
  const serverCpu = (b.server - a.server) / wall
  const loadCpu = (b.self - a.self) / wall
  const machineCpu = (b.machine - a.machine) / wall
  return {
    serverCpu,
    loadCpu,
    otherCpu: Math.max(0, machineCpu - serverCpu - loadCpu),
    window: { fromUs: a.atUs, toUs: b.atUs },
  }
}
