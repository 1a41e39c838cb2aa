/**
 * A journey is what one virtual user does in a row (browse, then buy…); each step is one request.
 * Steps build their request from the user, the prepared scenario data and what earlier steps of the
 * same journey read from their answers (an order id to pay, a coupon to use).
 */

/** What `--prepare` or `seed` created on the target; journeys only use these ids. */
export interface ScenarioData {
  /** Products with ample stock. */
  productIds: number[]
  /** The product everyone wants (soldout): limited stock. */
  hotProductId?: number
  /** The first-come coupon (coupon-rush) and one with ample quantity for ordinary journeys. */
  rushCouponId?: number
  couponId?: number
  /** Virtual user ids are `firstUserId`, `firstUserId + 1`, … (each has points when prepared). */
  firstUserId: number
  users: number
}

export interface VirtualUser {
  id: number
  /** `Bearer …`, built once. */
  authorization: string
}

/** What a journey remembers between its steps. */
export interface JourneyState {
  productId?: number
  orderId?: number
  userCouponId?: number
}

export interface StepContext {
  user: VirtualUser
  data: ScenarioData
  state: JourneyState
  /** Uniform in [0, 1); injected so journeys are reproducible in tests. */
  random: () => number
}

export interface StepRequest {
  method: 'GET' | 'POST' | 'PATCH'
  path: string
  body?: unknown
  /** Send a fresh Idempotency-Key (the API makes these POSTs safe to retry). */
  idempotent?: boolean
  /** Public endpoints are sent without the user's token. */
  anonymous?: boolean
}

export interface Step {
  /** `journey.step` in the report. */
  name: string
  request(ctx: StepContext): StepRequest
  /** Statuses that count as success; default any 2xx. 429/503 always count as shed. */
  expect?: readonly number[]
  /** Reads what later steps need from the JSON answer. */
  read?(body: unknown, ctx: StepContext): void
}

export interface Journey {
  name: string
  /** Relative frequency among the scenario's journeys. */
  weight: number
  steps: Step[]
}
