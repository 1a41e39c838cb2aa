/**
 * Holds a process to a share of one core with a CPU cgroup (CFS bandwidth control), so a bench on
 * a small machine can measure a server smaller than its generator: on two cores, a server with a
 * whole core answers faster than one Node process can send, and the spike never reaches it.
 * cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us`); needs write access to the cgroup tree (root).
 */
import fs from 'node:fs'
import path from 'node:path'

/**
 * The period is short (10 ms, not the kernel's 100 ms) so a throttled server stalls for at most
 * a few ms at a time, instead of most of every 100 ms, which would show up as latency of its own.
 */
const PERIOD_US = 10_000

const V2 = '/sys/fs/cgroup'
const V1 = '/sys/fs/cgroup/cpu'

/** Moves `pid` (all its threads) into a new cgroup limited to `share` of a core; returns its removal. */
export function limitCpu(pid: number, share: number): () => void {
  if (!(share > 0 && share <= 64)) throw new Error(`a CPU share must be in (0, 64], not ${share}`)
  const quota = String(Math.max(1000, Math.round(share * PERIOD_US)))
  const v2 = fs.existsSync(path.join(V2, 'cgroup.controllers'))
  const root = v2 ? V2 : V1
  const dir = path.join(root, `floodgate-bench-${pid}`)
  try {
    fs.mkdirSync(dir)
    if (v2) {
      fs.writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`)
    } else {
      fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US))
      fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), quota)
    }
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid))
  } catch (error) {
    throw new Error(
      `cannot limit the server to ${share} of a core (${(error as Error).message}); ` +
        'run as root on a machine with a CPU cgroup, or leave the share out',
    )
  }
  return () => {
    // The directory can only go once its process has left it (exited, or moved back to the root).
    try {
      fs.rmdirSync(dir)
    } catch {
      // a later run's mkdir uses another pid; a leftover empty group costs nothing
    }
  }
}
