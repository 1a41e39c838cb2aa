import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createArrivals } from './arrivals.js'
import { peakUsers, profileAt, type Stage, scaleStages, totalDurationSec } from './stages.js'

const all = (stages: Stage[]) => {
  const arrivals = createArrivals(stages)
  const times: number[] = []
  for (let t = arrivals.next(); t !== undefined; t = arrivals.next()) times.push(t)
  return times
}

describe('arrival schedule (open model)', () => {
  test('a constant rate spaces arrivals evenly, whatever happens to them', () => {
    const times = all([{ durationSec: 10, rate: 100, users: 1 }])
    assert.equal(times.length, 1000)
    assert.ok(Math.abs(times[0]! - 10) < 1e-6)
    for (let i = 1; i < times.length; i++) assert.ok(Math.abs(times[i]! - times[i - 1]! - 10) < 1e-6)
  })

  test('a linear ramp follows the integral of the rate', () => {
    const times = all([{ durationSec: 10, rate: { from: 0, to: 100 }, users: 1 }])
    // ∫0..10 of 10t dt = 500; by 5 s only a quarter of them (125).
    assert.equal(times.length, 500)
    assert.equal(times.filter((t) => t <= 5000).length, 125)
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!)
  })

  test('stages chain and a fraction owed at a stage end carries over', () => {
    const times = all([
      { durationSec: 1, rate: 2.5, users: 1 },
      { durationSec: 1, rate: 1000, users: 1 },
      { durationSec: 2, rate: 0, users: 1 },
      { durationSec: 1, rate: 10, users: 1 },
    ])
    assert.equal(times.length, 2 + 1000 + 10)
    assert.equal(times.filter((t) => t > 2000 && t <= 4000).length, 0)
    assert.equal(times.filter((t) => t > 4000).length, 10)
  })

  test('profileAt ramps users and rate within a stage', () => {
    const stages: Stage[] = [
      { durationSec: 60, rate: 50, users: 200 },
      { durationSec: 60, rate: { from: 50, to: 450 }, users: { from: 200, to: 2800 } },
    ]
    assert.deepEqual(profileAt(stages, 30), { rate: 50, users: 200, connections: 200, stage: 0 })
    assert.deepEqual(profileAt(stages, 90), { rate: 250, users: 1500, connections: 1500, stage: 1 })
    assert.deepEqual(profileAt(stages, 500), { rate: 450, users: 2800, connections: 2800, stage: 1 })
    const capped: Stage[] = [{ durationSec: 10, rate: 10, users: 100, connections: { from: 10, to: 30 } }]
    assert.equal(profileAt(capped, 5).connections, 20)
    assert.equal(peakUsers(stages), 2800)
  })

  test('--scale multiplies rates and users, --duration keeps the shape', () => {
    const stages: Stage[] = [
      { durationSec: 60, rate: 50, users: 200 },
      { durationSec: 180, rate: 450, users: 2800 },
    ]
    const scaled = scaleStages(stages, { scale: 0.1, durationSec: 24 })
    assert.equal(totalDurationSec(scaled), 24)
    assert.deepEqual(
      scaled.map((s) => [s.durationSec, s.rate, s.users]),
      [
        [6, { from: 5, to: 5 }, { from: 20, to: 20 }],
        [18, { from: 45, to: 45 }, { from: 280, to: 280 }],
      ],
    )
    assert.equal(all(scaled).length, 6 * 5 + 18 * 45)
  })
})

test('poisson arrivals keep the schedule on average and come in bursts', async () => {
  const { seededRandom } = await import('../random.js')
  const arrivals = createArrivals([{ durationSec: 10, rate: 1000, users: 1 }], 'poisson', seededRandom(42))
  const times: number[] = []
  for (let t = arrivals.next(); t !== undefined; t = arrivals.next()) times.push(t)
  assert.ok(Math.abs(times.length - 10_000) < 300, `count ${times.length}`)
  const gaps = times.slice(1).map((t, i) => t - times[i]!)
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length)
  // Exponential gaps: the standard deviation equals the mean (uniform spacing has none).
  assert.ok(Math.abs(mean - 1) < 0.05 && Math.abs(sd / mean - 1) < 0.05, `mean ${mean}, cv ${sd / mean}`)
})
