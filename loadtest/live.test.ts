import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatLive } from './live.js'
import { Recorder } from './stats/index.js'

test('the live line shows progress, rates, p95, errors, shed and in-flight', () => {
  const r = new Recorder(300)
  for (let i = 0; i < 100; i++) {
    r.offered(i * 10, i * 10)
    const status = i < 90 ? 200 : i < 95 ? 503 : 500
    r.completed('a.b', i * 10, i * 10 + 5, status === 200 ? 'ok' : status === 503 ? 'shed' : 'error', status)
  }
  r.roll(1)
  const line = formatLive({ elapsedSec: 1, totalSec: 4, last: r.at(0), inFlight: 7, waiting: 0, users: 20 })
  assert.match(line, /^\[████░{12}\] 1\/4s/)
  assert.match(line, /offered 100\/s \| done 100\/s \| p95 5ms \| err 5\.0% \| shed 5\.0% \| in-flight 7/)
})
