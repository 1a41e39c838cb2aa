import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Combiner } from './combiner.js'

const turn = () => new Promise((resolve) => setImmediate(resolve))

/** A write that records its batches and finishes when told to. */
function recorder() {
  const batches: number[][] = []
  const pending: (() => void)[] = []
  const write = (items: number[]) =>
    new Promise<number[]>((resolve) => {
      batches.push(items)
      pending.push(() => resolve(items.map((i) => i * 10)))
    })
  // The results settle, then the next batch starts in the turn after.
  const finishAll = async () => {
    while (pending.length > 0) pending.shift()!()
    await turn()
    await turn()
  }
  return { batches, write, finishAll }
}

describe('Combiner', () => {
  test('what is added in one turn is written together, each caller gets its own result', async () => {
    const r = recorder()
    const c = new Combiner(r.write, { maxBatch: 10, maxConcurrent: 2 })
    const results = [1, 2, 3].map((i) => c.add(i))
    await turn()
    assert.deepEqual(r.batches, [[1, 2, 3]])
    await r.finishAll()
    assert.deepEqual(await Promise.all(results), [10, 20, 30])
  })

  test('at most maxConcurrent writes run; what arrives meanwhile waits for one and goes in one batch', async () => {
    const r = recorder()
    const c = new Combiner(r.write, { maxBatch: 2, maxConcurrent: 2 })
    const all = [1, 2, 3, 4, 5, 6, 7].map((i) => c.add(i))
    await turn()
    assert.deepEqual(r.batches, [
      [1, 2],
      [3, 4],
    ])
    const late = [8, 9].map((i) => c.add(i))
    await r.finishAll()
    assert.deepEqual(r.batches.slice(2), [
      [5, 6],
      [7, 8],
    ])
    await r.finishAll()
    await r.finishAll()
    assert.deepEqual(await Promise.all([...all, ...late]), [10, 20, 30, 40, 50, 60, 70, 80, 90])
  })

  test('a retryable failure is written again, up to three attempts; any other fails every caller', async () => {
    let calls = 0
    const flaky = new Combiner(
      async (items: number[]) => {
        if (++calls < 3) throw Object.assign(new Error('deadlock'), { retry: true })
        return items
      },
      { maxBatch: 10, maxConcurrent: 1, retryable: (e) => (e as { retry?: boolean }).retry === true },
    )
    assert.deepEqual(await Promise.all([flaky.add(1), flaky.add(2)]), [1, 2])
    assert.equal(calls, 3)

    const broken = new Combiner(
      async (): Promise<number[]> => {
        throw new Error('gone')
      },
      { maxBatch: 10, maxConcurrent: 1, retryable: () => false },
    )
    const outcomes = await Promise.allSettled([broken.add(1), broken.add(2)])
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    )
  })
})
