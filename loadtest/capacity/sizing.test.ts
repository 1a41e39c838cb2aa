import assert from 'node:assert/strict'
import { test } from 'node:test'
import { size } from './sizing.js'

test("sizing follows Little's law and leaves headroom", () => {
  const s = size({ capacityRps: 200, latencyMs: 50, peakTps: 450, peakUsers: 2800, utilisation: 0.7 })
  // 450 / (200 × 0.7) = 3.2 → 4 instances, 112.5 req/s each, L = 112.5 × 0.05 = 5.6 in flight.
  assert.equal(s.instances, 4)
  assert.equal(Math.round(s.inFlightPerInstance * 100) / 100, 5.63)
  assert.equal(s.poolPerInstance, 12)
  assert.match(s.lines.join('\n'), /think time Z = 6\.17 s/)
})
