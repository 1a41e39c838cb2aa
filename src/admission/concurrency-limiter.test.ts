import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../platform/clock/index.js'
import { ConcurrencyLimiter, type Ticket } from './concurrency-limiter.js'
import type { AdmissionEvent, Rejection } from './events.js'
import { GradientLimit } from './gradient-limit.js'
import type { PriorityClass } from './priority.js'

/** A limiter with a fixed limit (min = max), on a manual clock, recording its events. */
function setup(
  opts: {
    limit?: number
    queueSize?: number
    criticalTimeoutMs?: number
    criticalWaitMs?: number
    brake?: () => boolean
  } = {},
) {
  const clock = new ManualClock(0)
  const events: AdmissionEvent[] = []
  const n = opts.limit ?? 10
  const limiter = new ConcurrencyLimiter({
    limit: new GradientLimit({ initial: n, min: n, max: n }),
    now: () => clock.now(),
    queueSize: opts.queueSize ?? 100,
    queueTimeoutMs: 250,
    queueTargetMs: 5,
    ...(opts.criticalTimeoutMs ? { criticalTimeoutMs: opts.criticalTimeoutMs } : {}),
    ...(opts.criticalWaitMs !== undefined ? { criticalWaitMs: opts.criticalWaitMs } : {}),
    ...(opts.brake ? { brake: opts.brake } : {}),
    onEvent: (e) => events.push(e),
  })
  /** Acquires and records the outcome when it settles. */
  const outcomes: string[] = []
  const ask = (priority: PriorityClass, name: string, deadline = 10_000) => {
    try {
      const r = limiter.acquire(priority, deadline)
      if (!(r instanceof Promise)) {
        outcomes.push(`${name} started`)
        return Promise.resolve(r)
      }
      return r.then(
        (t) => {
          outcomes.push(`${name} started`)
          return t
        },
        (e: Rejection) => {
          outcomes.push(`${name} ${e.reason}`)
          return undefined
        },
      )
    } catch (e) {
      outcomes.push(`${name} ${(e as Rejection).reason}`)
      return Promise.resolve(undefined)
    }
  }
  const rejected = () => events.filter((e) => e.type === 'rejected')
  return { clock, limiter, events, outcomes, ask, rejected }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('concurrency limiter', () => {
  test('admits up to the limit, then queues FIFO while the queue drains', async () => {
    const { limiter, ask, outcomes } = setup({ limit: 2 })
    const a = (await ask('critical', 'a'))!
    const b = (await ask('critical', 'b'))!
    void ask('critical', 'c')
    void ask('critical', 'd')
    assert.equal(limiter.inService, 2)
    assert.equal(limiter.queued, 2)
    limiter.release(a, 'r')
    await settle()
    limiter.release(b, 'r')
    await settle()
    assert.deepEqual(outcomes, ['a started', 'b started', 'c started', 'd started'])
    assert.equal(limiter.queued, 0)
  })

  test('a queue standing longer than the interval turns LIFO: the newest waiter goes first', async () => {
    const { limiter, ask, outcomes, clock } = setup({ limit: 1 })
    const holder = (await ask('critical', 'holder'))!
    // A stream of coupon claims, one every 4 ms: after 100 ms the queue stands (overload), and
    // claims wait at most the CoDel target (5 ms), so the last two are still waiting at 120 ms.
    for (let t = 0; t <= 120; t += 4) {
      clock.set(t)
      void ask('important', `i${t}`)
    }
    assert.ok(limiter.overloaded())
    limiter.release(holder, 'r')
    await settle()
    assert.equal(outcomes.at(-1), 'i120 started')
    assert.equal(limiter.queued, 1, 'i116 still waits')
  })

  test("checkout's wait budget is a setting: at 1 s a queue still for 500 ms is not stalled", async () => {
    const { ask, outcomes, clock } = setup({ limit: 1, criticalTimeoutMs: 2_000, criticalWaitMs: 1_000 })
    await ask('critical', 'holder')
    void ask('critical', 'c1')
    clock.advance(500)
    void ask('critical', 'c2')
    clock.advance(500)
    await ask('critical', 'c3')
    assert.deepEqual(outcomes, ['holder started', 'c3 limit'])
  })

  test('a wait budget of 0 turns the early refusal off: checkout waits until its timeout', async () => {
    const { ask, outcomes, clock } = setup({ limit: 1, criticalTimeoutMs: 2_000, criticalWaitMs: 0 })
    await ask('critical', 'holder')
    void ask('critical', 'c1')
    clock.advance(1_000)
    void ask('critical', 'c2')
    await settle()
    assert.deepEqual(outcomes, ['holder started'])
  })

  test('checkout stays FIFO in an overload', async () => {
    const { limiter, ask, outcomes, clock } = setup({ limit: 1 })
    const holder = (await ask('critical', 'holder'))!
    const first = ask('critical', 'c-old')
    clock.advance(99)
    void ask('critical', 'c-new')
    clock.advance(51)
    assert.ok(limiter.overloaded())
    limiter.release(holder, 'r')
    limiter.release((await first)!, 'r')
    await settle()
    assert.deepEqual(outcomes, ['holder started', 'c-old started', 'c-new started'])
  })

  test("checkout's queue takes what can start within an interval; newcomers beyond it are refused at once", async () => {
    const { limiter, ask, outcomes, clock, rejected } = setup({ limit: 1, criticalTimeoutMs: 2_000 })
    let current = (await ask('critical', 'holder'))!
    const queued = Array.from({ length: 11 }, (_, i) => ask('critical', `c${i + 1}`))
    const startNext = async (i: number) => {
      clock.advance(10)
      limiter.release(current, 'r')
      current = (await queued[i])!
    }
    await startNext(0) // one start per 10 ms with 10 waiting: a newcomer would wait 100 ms
    await ask('critical', 'too late')
    assert.equal(outcomes.at(-1), 'too late limit')
    await startNext(1) // 9 waiting: 90 ms
    void ask('critical', 'in time')
    await settle()
    assert.equal(limiter.queued, 10)
    assert.deepEqual(
      rejected().map((e) => e.type === 'rejected' && `${e.reason}/${e.priority}`),
      ['limit/critical'],
    )
  })

  test("a batch of checkouts starting at one instant counts as many starts: the queue's pace is time per start", async () => {
    const { ask, outcomes, clock, limiter } = setup({ limit: 20, criticalTimeoutMs: 2_000 })
    const holders = await Promise.all(Array.from({ length: 20 }, (_, i) => ask('critical', `h${i}`)))
    for (let i = 0; i < 50; i++) void ask('critical', `q${i}`)
    clock.advance(50)
    for (const ticket of holders) limiter.release(ticket!, 'r') // a batch of 20 done: 2.5 ms a start
    await settle()
    assert.equal(limiter.queued, 30)
    for (let i = 0; i < 11; i++) void ask('critical', `late${i}`) // 30 to 39 ahead: under 100 ms
    await settle()
    assert.deepEqual(
      outcomes.filter((o) => o.endsWith('limit')),
      ['late10 limit'],
    )
    assert.equal(limiter.queued, 40)
  })

  test('a checkout queue that has not moved for an interval refuses newcomers at once', async () => {
    const { limiter, ask, outcomes, clock } = setup({ limit: 1, criticalTimeoutMs: 2_000 })
    const holder = (await ask('critical', 'holder'))!
    const first = ask('critical', 'c1')
    clock.advance(99)
    void ask('critical', 'c2')
    clock.advance(1)
    await ask('critical', 'c3')
    assert.deepEqual(outcomes, ['holder started', 'c3 limit'])
    limiter.release(holder, 'r')
    limiter.release((await first)!, 'r')
    await settle()
    assert.deepEqual(outcomes.slice(2), ['c1 started', 'c2 started'])
  })

  test('queue timeouts: critical waits the full timeout, important the CoDel target once the queue stands', async () => {
    const { limiter, ask, outcomes, clock, rejected } = setup({ limit: 1 })
    await ask('critical', 'holder')
    void ask('important', 'imp1')
    void ask('critical', 'crit1')
    clock.advance(101) // standing queue: overload mode
    limiter.expire()
    await settle()
    assert.deepEqual(outcomes, ['holder started', 'imp1 queue_timeout'])
    clock.advance(148) // 249 ms for crit1: still within 250
    limiter.expire()
    await settle()
    assert.equal(outcomes.length, 2)
    clock.advance(1)
    limiter.expire()
    await settle()
    assert.deepEqual(outcomes.slice(2), ['crit1 queue_timeout'])
    assert.deepEqual(
      rejected().map((e) => e.type === 'rejected' && `${e.reason}/${e.priority}`),
      ['queue_timeout/important', 'queue_timeout/critical'],
    )
  })

  test('in overload, sheddable requests are refused at once (reason limit) instead of queued', async () => {
    const { ask, outcomes, clock } = setup({ limit: 1 })
    await ask('critical', 'holder')
    void ask('critical', 'waiting')
    clock.advance(200)
    await ask('sheddable', 'read')
    assert.deepEqual(outcomes, ['holder started', 'read limit'])
  })

  test('precheck refuses what acquire would refuse at once, class by class', async () => {
    const { limiter, ask, clock } = setup({ limit: 1, criticalTimeoutMs: 2_000 })
    const holder = (await ask('critical', 'holder'))!
    /** The classes precheck refuses, after checking that acquire refuses them at once too. */
    const refusedNow = () =>
      (['critical', 'important', 'sheddable'] as const).filter((priority) => {
        try {
          limiter.precheck(priority)
          return false
        } catch {
          assert.throws(() => limiter.acquire(priority, 10_000), { reason: 'limit' })
          return true
        }
      })
    void ask('critical', 'c1')
    void ask('critical', 'c2')
    assert.deepEqual(refusedNow(), [], 'a busy server without a standing queue: everyone may wait')
    clock.advance(90)
    limiter.release(holder, 'r') // c1 starts: checkout's queue moves, one start per 90 ms
    clock.advance(60)
    assert.ok(limiter.overloaded())
    assert.deepEqual(refusedNow(), ['important', 'sheddable'], 'overload: checkout still moves')
    clock.advance(100)
    assert.deepEqual(refusedNow(), ['critical', 'important', 'sheddable'], 'checkout stalled too')
  })

  test('critical requests wait their own timeout (their deadline), important ones the queue timeout', async () => {
    const clock = new ManualClock(0)
    const limiter = new ConcurrencyLimiter({
      limit: new GradientLimit({ initial: 1, min: 1, max: 1 }),
      now: () => clock.now(),
      queueSize: 10,
      queueTimeoutMs: 250,
      queueTargetMs: 5,
      criticalTimeoutMs: 2_000,
    })
    const holder = limiter.acquire('critical', 10_000) as Ticket
    const outcomes: string[] = []
    const track = (name: string, p: Ticket | Promise<Ticket>) =>
      Promise.resolve(p).then(
        () => outcomes.push(`${name} started`),
        (e: Rejection) => outcomes.push(`${name} ${e.reason}`),
      )
    const order = track('order', limiter.acquire('critical', 10_000))
    const claim = track('claim', limiter.acquire('important', 10_000))
    clock.advance(300)
    limiter.expire()
    await claim
    assert.deepEqual(outcomes, ['claim queue_timeout'])
    clock.advance(1_000)
    limiter.expire()
    limiter.release(holder, 'r')
    await order
    assert.deepEqual(outcomes, ['claim queue_timeout', 'order started'])
  })

  test('a request whose deadline passed while queued is dropped before it starts', async () => {
    const { limiter, ask, outcomes, clock } = setup({ limit: 1 })
    const holder = (await ask('critical', 'holder'))!
    void ask('critical', 'late', 50)
    clock.advance(60)
    limiter.release(holder, 'r')
    await settle()
    assert.deepEqual(outcomes, ['holder started', 'late deadline'])
    assert.equal(limiter.inService, 0)
    await ask('critical', 'expired on arrival', 60)
    assert.equal(outcomes.at(-1), 'expired on arrival deadline')
  })

  test('a full queue refuses newcomers, unless a lower class can make room', async () => {
    const { ask, outcomes } = setup({ limit: 1, queueSize: 2 })
    await ask('critical', 'holder')
    void ask('sheddable', 's1')
    void ask('important', 'i1')
    void ask('important', 'i2') // full; evicts the sheddable one
    void ask('critical', 'c1') // full; evicts the oldest important
    await ask('important', 'i3') // full of important and critical: refused
    await settle()
    assert.deepEqual(outcomes.sort(), ['holder started', 'i1 queue_full', 'i3 queue_full', 's1 queue_full'])
  })

  test('priorities: sheddable fills 60 %, important 80 %, critical borrows everything idle', async () => {
    const { limiter, ask } = setup({ limit: 10 })
    const tickets: (Ticket | undefined)[] = []
    for (let i = 0; i < 10; i++)
      tickets.push((await Promise.race([ask('sheddable', `s${i}`), settle()])) as Ticket)
    assert.equal(limiter.inService, 6, 'sheddable stops at 60 %')
    for (let i = 0; i < 5; i++)
      tickets.push((await Promise.race([ask('important', `i${i}`), settle()])) as Ticket)
    assert.equal(limiter.inService, 8, 'important stops at 80 %')
    for (let i = 0; i < 5; i++)
      tickets.push((await Promise.race([ask('critical', `c${i}`), settle()])) as Ticket)
    assert.equal(limiter.inService, 10, 'critical takes the rest')
  })

  test('critical alone may use the whole limit; a slot freed goes to the highest class waiting', async () => {
    const { limiter, ask, outcomes } = setup({ limit: 4 })
    const held = await Promise.all([1, 2, 3, 4].map((i) => ask('critical', `c${i}`)))
    assert.equal(limiter.inService, 4)
    void ask('sheddable', 'read')
    void ask('important', 'coupon')
    void ask('critical', 'order')
    limiter.release(held[0]!, 'r')
    await settle()
    assert.equal(outcomes.at(-1), 'order started')
    limiter.release(held[1]!, 'r')
    limiter.release(held[2]!, 'r')
    await settle()
    // 2 in service: important may start (below 80 % of 4 = 3), sheddable may not (60 % of 4 = 2).
    assert.deepEqual(outcomes.slice(-1), ['coupon started'])
    assert.equal(limiter.queued, 1)
  })

  test('the event-loop brake refuses sheddable requests only', async () => {
    const { ask, outcomes } = setup({ brake: () => true })
    await ask('sheddable', 'read')
    await ask('important', 'coupon')
    await ask('critical', 'order')
    assert.deepEqual(outcomes, ['read event_loop', 'coupon started', 'order started'])
  })

  test('release is idempotent and feeds the limit', async () => {
    const { limiter, ask } = setup({ limit: 2 })
    const t = (await ask('critical', 'a'))!
    limiter.release(t, 'r')
    limiter.release(t, 'r')
    assert.equal(limiter.inService, 0)
  })

  test('a release without a route (batched work) frees its slot but does not steer the limit', () => {
    const clock = new ManualClock(0)
    const limit = new GradientLimit({ initial: 20, min: 4, max: 100, minSamples: 1, windowMs: 1, floorMs: 1 })
    const limiter = new ConcurrencyLimiter({
      limit,
      now: () => clock.now(),
      queueSize: 100,
      queueTimeoutMs: 250,
      queueTargetMs: 5,
    })
    // Teach a no-load latency of 1 ms, then release slow work: as a signal it would shrink the limit.
    for (let i = 0; i < 5; i++) {
      const t = limiter.acquire('critical', 10_000) as Ticket
      clock.advance(1)
      limiter.release(t, 'r')
    }
    const before = limit.limit
    for (let i = 0; i < 50; i++) {
      const t = limiter.acquire('critical', 10_000) as Ticket
      clock.advance(40)
      limiter.release(t, undefined)
    }
    assert.equal(limit.limit, before)
    assert.equal(limiter.inService, 0)
    const slow = limiter.acquire('critical', 10_000) as Ticket
    clock.advance(40)
    limiter.release(slow, 'r')
    clock.advance(1)
    const next = limiter.acquire('critical', 10_000) as Ticket
    clock.advance(40)
    limiter.release(next, 'r')
    assert.ok(limit.limit < before, 'the same latency as a signal does shrink it')
  })
})
