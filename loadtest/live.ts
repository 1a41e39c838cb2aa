/** The one-line live status, once a second: what the run is doing right now. */
import type { LiveSample } from './engine/index.js'
import { bar } from './progress.js'

const pct = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole)

export function formatLive(s: LiveSample): string {
  const l = s.last
  const answered = l.completed
  return [
    `${bar(s.elapsedSec / s.totalSec, 16)} ${s.elapsedSec}/${Math.round(s.totalSec)}s`,
    `offered ${l.offered}/s`,
    `done ${l.completed}/s`,
    `p95 ${l.p95.toFixed(0)}ms`,
    `err ${pct(l.errors + l.failures, answered).toFixed(1)}%`,
    `shed ${pct(l.shed, answered).toFixed(1)}%`,
    `in-flight ${s.inFlight}`,
    `waiting ${s.waiting}`,
    `users ${s.users}`,
    `late p99 ${l.lateP99.toFixed(1)}ms`,
  ].join(' | ')
}
