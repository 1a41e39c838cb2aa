import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { HOUR } from '../platform/clock/index.js'
import { needsServerDatabase } from '../testing/backend.js'
import { startTestApp, type TestApp } from '../testing/harness.js'
import { keyBatcherFor } from './idempotency.js'
import type { Claim } from './idempotency-store.js'

describe('batched idempotency keys (server database)', needsServerDatabase, () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())

  const claim = (user: number, key: string, token: string): Claim => ({
    user_id: user,
    scope: 'POST /test',
    idem_key: key,
    request_hash: 'h',
    state: 'IN_PROGRESS',
    status_code: null,
    content_type: null,
    response_body: null,
    created_at: t.clock.now(),
    expires_at: t.clock.now() + HOUR,
    claim_token: token,
  })

  test('one statement claims a turn of keys, and of two claims of one key only the first wins', async () => {
    const batcher = keyBatcherFor(t.runtime.db)!
    const before = { ...batcher.stats }
    const won = await Promise.all([
      batcher.claim(claim(1, 'a', 'token-a1')),
      batcher.claim(claim(1, 'a', 'token-a2')),
      batcher.claim(claim(1, 'b', 'token-b')),
      batcher.claim(claim(2, 'a', 'token-2a')),
    ])
    assert.deepEqual(won, [true, false, true, true])
    assert.equal(batcher.stats.batches - before.batches, 1)
    assert.equal(batcher.stats.writes - before.writes, 4)
    // A key someone else holds stays theirs, in a later batch too.
    assert.deepEqual(await batcher.claim(claim(1, 'b', 'token-b2')), false)
  })

  test('an answer is stored only under the claim that still holds the key', async () => {
    const batcher = keyBatcherFor(t.runtime.db)!
    assert.equal(await batcher.claim(claim(3, 'k', 'mine')), true)
    await Promise.all([
      batcher.complete(claim(3, 'k', 'not-mine'), { status: 500, contentType: 'x', body: 'wrong' }),
      batcher.complete(claim(3, 'k', 'mine'), {
        status: 201,
        contentType: 'application/json',
        body: '{"ok":1}',
      }),
    ])
    const row = await t.runtime.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('user_id', '=', 3)
      .where('idem_key', '=', 'k')
      .executeTakeFirstOrThrow()
    assert.equal(row.state, 'DONE')
    assert.equal(row.status_code, 201)
    assert.equal(row.response_body, '{"ok":1}')
  })

  test('many retries of a few keys at once: each charge runs exactly once', async () => {
    const users = [11, 12, 13, 14, 15, 16, 17, 18]
    const tokens = new Map(await Promise.all(users.map(async (u) => [u, await t.token(u)] as const)))
    const answers = await Promise.all(
      users.flatMap((u) =>
        Array.from({ length: 5 }, () =>
          t.call('POST', `/api/v1/points/users/${u}/charge`, {
            token: tokens.get(u)!,
            body: { amount: 1_000 },
            headers: { 'idempotency-key': `retry-${u}` },
          }),
        ),
      ),
    )
    for (const res of answers)
      assert.ok(
        res.statusCode === 200 || res.json().code === 'IDEMPOTENCY_KEY_IN_PROGRESS',
        `${res.statusCode} ${res.body}`,
      )
    for (const u of users) {
      const wallet = await t.call('GET', `/api/v1/points/users/${u}`, { token: tokens.get(u)! })
      assert.equal(wallet.json().balance, 1_000, `user ${u} was charged once`)
      const runs = answers.filter(
        (r, i) => users[Math.floor(i / 5)] === u && r.statusCode === 200 && !r.headers['idempotent-replayed'],
      )
      assert.equal(runs.length, 1, `user ${u}: one request ran, the others were replayed or told to retry`)
    }
  })
})
