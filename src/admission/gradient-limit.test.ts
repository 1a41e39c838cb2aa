import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { GradientLimit } from './gradient-limit.js'

/**
 * A simulated server, in 1 ms steps: it serves `capacity` requests at `baseMs` each in parallel;
 * beyond that they share it, so latency grows in proportion (a CPU or a connection pool). Demand
 * always exceeds the limit (a sale), so the limit alone decides how many are in service.
 */
function simulate(limit: GradientLimit, phases: { capacity: number; ms: number }[], baseMs = 30) {
  const trace: { t: number; limit: number }[] = []
  let t = 0
  let owed = 0
  for (const phase of phases) {
    for (let end = t + phase.ms; t < end; t++) {
      const inflight = limit.limit
      const latency = baseMs * Math.max(1, inflight / phase.capacity)
      limit.started(inflight)
      limit.notePressure()
      owed += inflight / latency
      for (; owed >= 1; owed--) limit.sample(t, t % 3 === 0 ? 'order' : 'read', latency)
      trace.push({ t, limit: limit.limit })
    }
  }
  return trace
}

const between = (trace: { t: number; limit: number }[], from: number, to: number) =>
  trace.filter((p) => p.t >= from && p.t < to).map((p) => p.limit)

describe('gradient limit', () => {
  test('finds the capacity and settles within 3 s of a drop to 40 % of it', () => {
    const limit = new GradientLimit({ initial: 20 })
    const trace = simulate(limit, [
      { capacity: 100, ms: 5_000 },
      { capacity: 40, ms: 5_000 },
    ])
    const before = between(trace, 4_000, 5_000)
    assert.ok(
      Math.min(...before) >= 100,
      `before the drop the limit keeps the server busy: ${Math.min(...before)}`,
    )
    assert.ok(Math.max(...before) <= 200, `and queues at most 1.5x + √limit: ${Math.max(...before)}`)
    const settled = between(trace, 8_000, 10_000)
    assert.ok(Math.min(...settled) >= 40, `settled at or above the new capacity: ${Math.min(...settled)}`)
    assert.ok(Math.max(...settled) <= 80, `and within the tolerance band: ${Math.max(...settled)}`)
  })

  test('follows a rise in capacity within 3 s', () => {
    const limit = new GradientLimit({ initial: 20 })
    const trace = simulate(limit, [
      { capacity: 40, ms: 3_000 },
      { capacity: 200, ms: 3_000 },
    ])
    const settled = between(trace, 6_000 - 1, 6_000)
    assert.ok(settled[0]! >= 200, `reached the new capacity: ${settled[0]}`)
    const lastSecond = between(trace, 5_000, 6_000)
    assert.ok(Math.max(...lastSecond) <= 400, `without running away: ${Math.max(...lastSecond)}`)
  })

  test('started above capacity under overload, a no-load probe brings it down', () => {
    const limit = new GradientLimit({ initial: 400, noLoadWindowMs: 10_000 })
    const trace = simulate(limit, [{ capacity: 100, ms: 15_000 }])
    const before = between(trace, 4_000, 5_000)
    assert.ok(Math.min(...before) >= 400, `the first readings were all loaded: ${Math.min(...before)}`)
    const after = between(trace, 12_000, 15_000)
    assert.ok(
      Math.max(...after) <= 200 && Math.min(...after) >= 50,
      `${Math.min(...after)}..${Math.max(...after)}`,
    )
  })

  test('does not grow while the server is idle (demand below half the limit)', () => {
    const limit = new GradientLimit({ initial: 50 })
    for (let t = 0; t < 10_000; t++) {
      limit.started(3)
      limit.sample(t, 'read', 2)
    }
    assert.equal(limit.limit, 50)
  })

  test('no-load latency is per route: a slow route at its own no-load latency does not shrink the limit', () => {
    const limit = new GradientLimit({ initial: 50 })
    for (let t = 0; t < 5_000; t++) {
      limit.started(50)
      limit.notePressure()
      limit.sample(t, 'read', 0.5)
      limit.sample(t, 'order', 20)
    }
    assert.ok(limit.limit > 50, `grew: ${limit.limit}`)
  })

  test('the no-load latency is forgotten after its window, so a slower baseline is learned', () => {
    const limit = new GradientLimit({ initial: 100, noLoadWindowMs: 10_000 })
    for (let t = 0; t < 1_000; t++) limit.sample(t, 'read', 30)
    // The database got slower for good: 150 ms is the new no-load latency.
    let t = 1_000
    for (; t < 6_000; t++) {
      limit.started(100)
      limit.notePressure()
      limit.sample(t, 'read', 150)
    }
    const shrunk = limit.limit
    for (; t < 30_000; t++) {
      limit.started(limit.limit)
      limit.notePressure()
      limit.sample(t, 'read', 150)
    }
    assert.ok(shrunk < 100, `shrank at first: ${shrunk}`)
    assert.ok(limit.limit > shrunk, `recovered once 10 ms was the norm: ${limit.limit}`)
  })

  test('latency under the floor is no congestion: 4 ms orders taking 20 ms do not shrink the limit', () => {
    const limit = new GradientLimit({ initial: 50 })
    for (let t = 0; t < 2_000; t++) {
      limit.started(50)
      limit.notePressure()
      limit.sample(t, 'order', t < 100 ? 4 : 20)
    }
    const grown = limit.limit
    assert.ok(grown >= 50, `kept or grew: ${grown}`)
    for (let t = 2_000; t < 4_000; t++) {
      limit.started(limit.limit)
      limit.notePressure()
      limit.sample(t, 'order', 200)
    }
    assert.ok(limit.limit < grown / 2, `while 200 ms is congestion: ${grown} -> ${limit.limit}`)
  })

  test('stays within min and max', () => {
    const limit = new GradientLimit({ initial: 10, min: 5, max: 30 })
    for (let t = 0; t < 5_000; t++) {
      limit.started(limit.limit)
      limit.notePressure()
      limit.sample(t, 'read', 1)
    }
    assert.equal(limit.limit, 30)
    for (let t = 5_000; t < 10_000; t++) limit.sample(t, 'read', 1_000)
    assert.equal(limit.limit, 5)
  })
})
