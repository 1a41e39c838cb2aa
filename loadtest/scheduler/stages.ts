/**
 * A load profile is a list of stages. Each stage lasts `durationSec` and moves the offered rate,
 * the number of virtual users and the connection cap linearly from their `from` to their `to`
 * values, so a ramp and a plateau are the same thing.
 */
export interface Ramp {
  from: number
  to: number
}

export interface Stage {
  /** Shown in the report's timeline. */
  label?: string
  durationSec: number
  /** Offered requests per second (journey steps), whatever the server does. */
  rate: Ramp | number
  /** Virtual users (each with its own token) available to carry those requests. */
  users: Ramp | number
  /** Most requests in flight (open sockets); default: one per user, capped by `--connections`. */
  connections?: Ramp | number
}

export interface StagePoint {
  rate: number
  users: number
  connections: number
  stage: number
}

const ramp = (value: Ramp | number): Ramp => (typeof value === 'number' ? { from: value, to: value } : value)

export const totalDurationSec = (stages: readonly Stage[]): number =>
  stages.reduce((sum, s) => sum + s.durationSec, 0)

/** The rate and users at `tSec` after the start (the last stage's end values after the end). */
export function profileAt(stages: readonly Stage[], tSec: number): StagePoint {
  let start = 0
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!
    if (tSec < start + s.durationSec || i === stages.length - 1) {
      const f = s.durationSec > 0 ? Math.min(1, Math.max(0, (tSec - start) / s.durationSec)) : 1
      const r = ramp(s.rate)
      const u = ramp(s.users)
      const c = ramp(s.connections ?? s.users)
      return {
        rate: r.from + (r.to - r.from) * f,
        users: Math.round(u.from + (u.to - u.from) * f),
        connections: Math.max(1, Math.round(c.from + (c.to - c.from) * f)),
        stage: i,
      }
    }
    start += s.durationSec
  }
  return { rate: 0, users: 0, connections: 1, stage: 0 }
}

/** The largest number of users any stage asks for: how many tokens to prepare. */
export const peakUsers = (stages: readonly Stage[]): number =>
  Math.max(0, ...stages.map((s) => Math.max(ramp(s.users).from, ramp(s.users).to)))

export const peakRate = (stages: readonly Stage[]): number =>
  Math.max(0, ...stages.map((s) => Math.max(ramp(s.rate).from, ramp(s.rate).to)))

export interface ScaleOptions {
  /** Multiplies rates and users (`--scale`). */
  scale?: number
  /** Stretches or squeezes every stage so the whole profile lasts this long (`--duration`). */
  durationSec?: number
}

const rounded = (r: Ramp): Ramp => ({ from: Math.round(r.from), to: Math.round(r.to) })

/** `--scale` and `--duration` applied to a scenario's stages; the shape is kept. */
export function scaleStages(stages: readonly Stage[], opts: ScaleOptions): Stage[] {
  const k = opts.scale ?? 1
  const total = totalDurationSec(stages)
  const stretch = opts.durationSec !== undefined && total > 0 ? opts.durationSec / total : 1
  const mul = (value: Ramp | number, min: number): Ramp => {
    const r = ramp(value)
    return { from: Math.max(min, r.from * k), to: Math.max(min, r.to * k) }
  }
  return stages.map((s) => ({
    ...s,
    durationSec: s.durationSec * stretch,
    rate: mul(s.rate, 0),
    // At least one user per stage that offers anything, or a scaled-down run could not send.
    users: rounded(mul(s.users, 1)),
    ...(s.connections !== undefined ? { connections: rounded(mul(s.connections, 1)) } : {}),
  }))
}
