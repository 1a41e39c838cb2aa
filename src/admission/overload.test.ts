/**
 * Overload over real sockets: a Floodgate process whose concurrency is capped at 2 gets a burst of
 * coupon claims and reads, with checkout traffic and one greedy user mixed in. Orders all succeed,
 * the rest is served, refused with 503 or 429 and Retry-After, or (catalog reads) answered with
 * their last good answer, and no client sees a connection error. (On SQLite a read runs start to finish in one turn of the event loop, so only writes, which
 * wait for their group commit, stay in service long enough to fill a limit of 2.)
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { tokenFor } from '../testing/fleet.js'
import { TEST_SECRET } from '../testing/harness.js'
import { type Instance, startInstance } from '../testing/processes.js'

interface Seen {
  status: number
  retryAfter: string | null
  type: string | null
  code?: string
  /** `Floodgate-Stale`: a shed catalog read answered with its last good answer. */
  stale?: string
}

async function send(
  base: string,
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<Seen> {
  try {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    const type = res.headers.get('content-type')
    const code = type?.startsWith('application/problem+json')
      ? (JSON.parse(text) as { code: string }).code
      : undefined
    const stale = res.headers.get('floodgate-stale')
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      type,
      ...(code ? { code } : {}),
      ...(stale ? { stale } : {}),
    }
  } catch {
    return { status: 0, retryAfter: null, type: null } // a connection error: reset, refused, timeout
  }
}

describe('a small-capacity server under a burst', () => {
  let server: Instance
  before(async () => {
    server = await startInstance({
      DATABASE_URL: 'sqlite::memory:',
      JWT_SECRET: TEST_SECRET,
      STOREFRONT_DIR: 'none',
      ADMISSION_MAX_CONCURRENCY: '2',
      ADMISSION_QUEUE_SIZE: '64',
      ADMISSION_DEADLINE_MS: '5000',
      // Generous for orders: a busy CI machine may be slow, and this test is about who gets refused.
      ADMISSION_QUEUE_TIMEOUT_MS: '4000',
      ADMISSION_CRITICAL_WAIT_MS: '4000',
      ADMISSION_QUEUE_TARGET_MS: '5',
      ADMISSION_EVENT_LOOP_THRESHOLD: '0.9',
      RATE_LIMIT_USER_RATE: '1',
      RATE_LIMIT_USER_BURST: '5',
    })
  })
  after(() => server.stop())

  test('orders succeed, reads are shed with Retry-After, a greedy user is rate limited, no connection errors', async (t) => {
    const base = server.base
    const admin = await tokenFor(9000, 'admin')
    const product = await fetch(`${base}/api/v1/admin/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Hot', price: 1_000, stock: 1_000 }),
    }).then((r) => r.json() as Promise<{ id: number }>)
    const buyers = Array.from({ length: 30 }, (_, i) => i + 1)
    const tokens = await Promise.all(buyers.map((u) => tokenFor(u)))
    // The setup charges one at a time: thirty at once would be an overload of their own (limit 2).
    const charged: Seen[] = []
    for (const [i, u] of buyers.entries()) {
      charged.push(
        await send(base, 'POST', `/api/v1/points/users/${u}/charge`, tokens[i], { amount: 100_000 }),
      )
    }
    assert.ok(
      charged.every((c) => c.status === 200),
      JSON.stringify(charged.filter((c) => c.status !== 200)),
    )

    const coupon = await fetch(`${base}/api/v1/admin/coupons`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Rush',
        discountType: 'FIXED',
        discountValue: 100,
        totalQuantity: 10_000,
        validDays: 7,
      }),
    }).then((r) => r.json() as Promise<{ id: number }>)
    const claimers = Array.from({ length: 400 }, (_, i) => 1_000 + i)
    const claimTokens = await Promise.all(claimers.map((u) => tokenFor(u)))
    const greedy = await tokenFor(500)
    // The greedy user goes just before the burst: inside it, a read the concurrency limit would
    // refuse anyway is refused (503) before the rate limiter is asked, so on a busy machine all
    // of them could be 503s and the rate limit would go unseen.
    const greedyReads = await Promise.all(
      Array.from({ length: 20 }, () => send(base, 'GET', '/api/v1/points/users/500', greedy)),
    )
    const [claims, reads, orders] = await Promise.all([
      Promise.all(
        claimers.map((u, i) =>
          send(base, 'POST', `/api/v1/coupons/${coupon.id}/issue`, claimTokens[i], { userId: u }),
        ),
      ),
      Promise.all(Array.from({ length: 300 }, () => send(base, 'GET', '/api/v1/products?limit=100'))),
      Promise.all(
        buyers.map((u, i) =>
          send(base, 'POST', '/api/v1/orders', tokens[i], {
            userId: u,
            items: [{ productId: product.id, quantity: 1 }],
          }),
        ),
      ),
    ])
    const all = [...claims, ...reads, ...orders, ...greedyReads]
    const count = (list: Seen[]) => {
      const out: Record<number, number> = {}
      for (const s of list) out[s.status] = (out[s.status] ?? 0) + 1
      return out
    }

    t.diagnostic(`claims ${JSON.stringify(count(claims))} reads ${JSON.stringify(count(reads))}`)
    assert.equal(all.filter((s) => s.status === 0).length, 0, 'no connection errors')
    assert.deepEqual(count(orders), { 201: 30 }, 'every order succeeded')
    const staleReads = reads.filter((r) => r.stale !== undefined)
    t.diagnostic(`reads answered stale ${staleReads.length}`)
    assert.ok(staleReads.every((r) => r.status === 200 && r.stale === 'overloaded'))
    const shed = (count(claims)[503] ?? 0) + (count(reads)[503] ?? 0) + staleReads.length
    assert.ok(
      shed > 0,
      `claims and reads were shed (refused, or reads answered stale): ${JSON.stringify([count(claims), count(reads)])}`,
    )
    assert.ok(
      (count(greedyReads)[429] ?? 0) > 0,
      `the greedy user was limited: ${JSON.stringify(count(greedyReads))}`,
    )
    for (const refused of all.filter((s) => s.status === 503 || s.status === 429)) {
      assert.match(refused.type ?? '', /^application\/problem\+json/)
      assert.ok(Number(refused.retryAfter) >= 1, 'Retry-After on every refusal')
      assert.equal(refused.code, refused.status === 503 ? 'OVERLOADED' : 'RATE_LIMITED')
    }
    assert.ok(
      all.every((s) => [200, 201, 429, 503].includes(s.status)),
      `only answers or refusals: ${JSON.stringify(count(all))}`,
    )

    const metrics = await fetch(`${base}/metrics`).then((r) => r.text())
    assert.match(
      metrics,
      /floodgate_admission_rejected_total\{reason="\w+",class="(important|sheddable)"\} [1-9]/,
    )
    assert.doesNotMatch(metrics, /floodgate_admission_rejected_total\{reason="\w+",class="critical"\}/)
    assert.match(metrics, /floodgate_rate_limited_total\{scope="user"\} [1-9]/)
  })
})
