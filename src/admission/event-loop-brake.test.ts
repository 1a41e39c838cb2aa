import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventLoopBrake } from './event-loop-brake.js'

test('the brake refuses sheddable work in proportion to utilization above the threshold', () => {
  let elu = 0.5
  let dice = 0
  const brake = new EventLoopBrake({ threshold: 0.9, sample: () => elu, random: () => dice, smoothing: 1 })
  brake.tick()
  dice = 0
  assert.equal(brake.engaged(), false, 'below the threshold nothing is refused')
  elu = 0.95
  brake.tick()
  dice = 0.49
  assert.equal(brake.engaged(), true, 'half-way to saturation: half are refused')
  dice = 0.51
  assert.equal(brake.engaged(), false)
  elu = 1
  brake.tick()
  dice = 0.999
  assert.equal(brake.engaged(), true, 'saturated: all refused')
})

test('readings are smoothed; a threshold of 1 turns the brake off', () => {
  const brake = new EventLoopBrake({ threshold: 0.9, sample: () => 1, random: () => 0 })
  brake.tick()
  assert.equal(brake.utilization, 0.5)
  brake.tick()
  assert.equal(brake.utilization, 0.75)
  const off = new EventLoopBrake({ threshold: 1, sample: () => 1, random: () => 0 })
  off.tick()
  assert.equal(off.engaged(), false)
})
