import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BackgroundTask } from './index.js'

test('notifications during a run fold into one more run; a failed run is reported, not thrown', async () => {
  let runs = 0
  let release!: () => void
  const errors: unknown[] = []
  const task = new BackgroundTask(
    async () => {
      runs++
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve))
      if (runs === 2) throw new Error('broker down')
    },
    { onError: (error) => errors.push(error) },
  )
  task.notify()
  while (runs === 0) await new Promise((resolve) => setImmediate(resolve))
  task.notify()
  task.notify()
  task.notify()
  release()
  await task.idle()
  assert.equal(runs, 2, 'three notifications during the first run made one more run, and idle waited for it')
  assert.equal(errors.length, 1)
  task.notify()
  await new Promise((resolve) => setImmediate(resolve))
  await task.idle()
  assert.equal(runs, 3, 'a failed run does not stop later ones')
})
