/**
 * Fleet sizing from a measured capacity, with the arithmetic spelled out (Little's law: the
 * number of requests in a system is the arrival rate times the time each spends in it, L = λW).
 */
export interface SizingInput {
  /** Highest goodput (req/s) one instance sustained within the SLO. */
  capacityRps: number
  /** Mean latency (ms) at that rate. */
  latencyMs: number
  peakTps: number
  peakUsers?: number
  /** Run instances at most this busy, so a lost instance or a burst has room (0-1). */
  utilisation: number
}

export interface Sizing {
  instances: number
  inFlightPerInstance: number
  poolPerInstance: number
  lines: string[]
}

export function size(input: SizingInput): Sizing {
  const { capacityRps: c, latencyMs, peakTps: peak, utilisation: u } = input
  const w = latencyMs / 1000
  const instances = Math.max(1, Math.ceil(peak / (c * u)))
  const perInstance = peak / instances
  const fleetInFlight = peak * w
  const inFlightPerInstance = perInstance * w
  // Each request holds at most one database connection for at most its time in the server, so the
  // pool needs at most the in-flight requests; doubled to absorb bursts above the mean.
  const poolPerInstance = Math.max(2, Math.ceil(inFlightPerInstance * 2))
  const lines = [
    `measured: one instance sustains C = ${c.toFixed(0)} req/s within the SLO, mean latency W = ${latencyMs.toFixed(1)} ms`,
    `instances = ⌈peak / (C × utilisation)⌉ = ⌈${peak} / (${c.toFixed(0)} × ${u})⌉ = ${instances}`,
    `per instance at peak: λ = ${peak} / ${instances} = ${perInstance.toFixed(0)} req/s`,
    `requests in flight (Little's law, L = λW): fleet ${peak} × ${w.toFixed(4)} s = ${fleetInFlight.toFixed(1)}, per instance ${perInstance.toFixed(0)} × ${w.toFixed(4)} s = ${inFlightPerInstance.toFixed(1)}`,
    `DB_POOL_SIZE per instance ≥ 2 × L = ${poolPerInstance} (each request holds at most one connection for at most W)`,
  ]
  if (input.peakUsers) {
    const n = input.peakUsers
    const cycle = n / peak
    lines.push(
      `users: N = λ × (W + Z) → with N = ${n} at ${peak} TPS each user sends every N/λ = ${cycle.toFixed(2)} s, so think time Z = ${(cycle - w).toFixed(2)} s`,
      `keep-alive connections: up to one per user, ${n} / ${instances} = ${Math.ceil(n / instances)} per instance`,
    )
  }
  return { instances, inFlightPerInstance, poolPerInstance, lines }
}
