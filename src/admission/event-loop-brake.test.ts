import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventLoopBrake } from './event-loop-brake.js'

test('a busy loop that keeps time is left alone; a busy loop running late sheds in proportion', () => {
  let reading = { utilization: 1, lagMs: 2 }
  let dice = 0
  const brake = new EventLoopBrake({
    threshold: 0.95,
    sample: () => reading,
    random: () => dice,
    smoothing: 1,
  })
  brake.tick()
  assert.equal(brake.engaged(), false, 'saturated but on time: a steady load served at full speed')
  reading = { utilization: 0.5, lagMs: 200 }
  brake.tick()
  assert.equal(brake.engaged(), false, 'late but mostly idle: a GC pause or a slow disk, not load')
  reading = { utilization: 1, lagMs: 75 }
  brake.tick()
  dice = 0.49
  assert.equal(brake.engaged(), true, 'half-way past the target: half are refused')
  dice = 0.51
  assert.equal(brake.engaged(), false)
  reading = { utilization: 1, lagMs: 100 }
  brake.tick()
  dice = 0.999
  assert.equal(brake.engaged(), true, 'twice the target: all refused')
})

test('readings are smoothed; a threshold of 1 turns the brake off', () => {
  const brake = new EventLoopBrake({
    threshold: 0.9,
    sample: () => ({ utilization: 1, lagMs: 400 }),
    random: () => 0,
  })
  brake.tick()
  assert.equal(brake.utilization, 0.5)
  assert.equal(brake.lagMs, 200)
  brake.tick()
  assert.equal(brake.utilization, 0.75)
  const off = new EventLoopBrake({
    threshold: 1,
    sample: () => ({ utilization: 1, lagMs: 400 }),
    random: () => 0,
  })
  off.tick()
  assert.equal(off.engaged(), false)
})
