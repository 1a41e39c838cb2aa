import { sql } from 'kysely'
import type { Db } from '../platform/db/index.js'
import { AppError } from '../platform/errors/index.js'
import { defineScript, type RedisHandle } from '../platform/redis/index.js'

/**
 * Admission in front of coupon issuing: an exhausted coupon or a user's second claim is refused
 * before it reaches the database. Only an early "no": the conditional increment and the unique
 * (coupon, user) key stay the truth, so a lost or flushed gate never issues one too many or twice.
 */
export interface IssueGate {
  /** Reserves one coupon for the user, or throws. Returns what to do if issuing then fails. */
  admit(couponId: number, userId: number): Promise<IssueAdmission>
  /** Users received the coupon outside `admit` (a grant): mark them, rebuild the quantity from the database. */
  granted(couponId: number, userIds: number[]): Promise<void>
}

export interface IssueAdmission {
  /** Issuing failed with `code` (an error code, or undefined for anything else). */
  undo(code: string | undefined): Promise<void>
}

const nothingToUndo: IssueAdmission = { undo: async () => {} }

export const openIssueGate: IssueGate = { admit: async () => nothingToUndo, granted: async () => {} }

/** Remaining-quantity mirrors are rebuilt at least this often; a user's mark lives as long. */
const MIRROR_TTL_MS = 30_000
const HOLDER_TTL_MS = 10 * 60_000

/** 1 admitted, 0 sold out, 2 already held by the user, -1 no mirror yet (load and ask again). */
const ADMIT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
local left = redis.call('GET', KEYS[1])
if not left then return -1 end
if tonumber(left) <= 0 then return 0 end
redis.call('DECR', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1`
/** Returns the unit to an existing mirror; ARGV[1] = 'keep' leaves the user's mark (they do hold one). */
const GIVE_BACK = `
if ARGV[1] ~= 'keep' then redis.call('DEL', KEYS[2]) end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1]) end
return 1`

export class RedisIssueGate implements IssueGate {
  private readonly admitScript
  private readonly giveBack

  constructor(
    private readonly redis: RedisHandle,
    private readonly db: Db,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.admitScript = defineScript<number>(redis, 'couponAdmit', ADMIT)
    this.giveBack = defineScript<number>(redis, 'couponGiveBack', GIVE_BACK)
  }

  private keys(couponId: number, userId: number): [string, string] {
    return [this.redis.key('coupon', couponId, 'left'), this.redis.key('coupon', couponId, 'holder', userId)]
  }

  async admit(couponId: number, userId: number): Promise<IssueAdmission> {
    if (!this.redis.ready()) return nothingToUndo
    const keys = this.keys(couponId, userId)
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const verdict = await this.admitScript(keys, [HOLDER_TTL_MS])
        if (verdict === 1) return { undo: (code) => this.undo(couponId, userId, code) }
        if (verdict === 0) throw new AppError('COUPON_SOLD_OUT', `coupon ${couponId} is sold out`)
        if (verdict === 2) {
          throw new AppError('COUPON_ALREADY_ISSUED', `user ${userId} already has coupon ${couponId}`)
        }
        if (!(await this.load(couponId))) return nothingToUndo
      }
    } catch (error) {
      if (error instanceof AppError) throw error
      this.onError(error)
    }
    return nothingToUndo
  }

  private async load(couponId: number): Promise<boolean> {
    const { rows } = await sql<{ left: number }>`
      select total_quantity - issued_quantity as ${sql.ref('left')} from coupons where id = ${couponId}`.execute(
      this.db,
    )
    if (rows.length === 0) return false // unknown coupon: the issuing path answers 404
    await this.redis.client.set(this.keys(couponId, 0)[0], Number(rows[0]!.left), 'PX', MIRROR_TTL_MS, 'NX')
    return true
  }

  private async undo(couponId: number, userId: number, code: string | undefined): Promise<void> {
    if (!this.redis.ready()) return
    const [left, holder] = this.keys(couponId, userId)
    try {
      // The database agrees the user holds one: keep the mark, return the unit.
      if (code === 'COUPON_ALREADY_ISSUED') await this.giveBack([left, holder], ['keep'])
      // The mirror was too optimistic: rebuild it.
      else if (code === 'COUPON_SOLD_OUT') await this.redis.client.del(left, holder)
      else await this.giveBack([left, holder], ['drop'])
    } catch (error) {
      this.onError(error)
    }
  }

  async granted(couponId: number, userIds: number[]): Promise<void> {
    if (!this.redis.ready()) return
    const batch = this.redis.client.multi().del(this.keys(couponId, 0)[0])
    for (const userId of userIds) batch.set(this.keys(couponId, userId)[1], '1', 'PX', HOLDER_TTL_MS)
    await batch.exec().catch(this.onError)
  }
}
