/**
 * Every error a client can see, by stable code. Status and title live here once; the HTTP layer
 * renders them as RFC 9457 problem+json (src/http/problem.ts) and docs/errors.md lists them all
 * (a test keeps the two in step). Clients branch on `code`, never on text.
 */
export const errorCatalog = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, title: 'Not allowed for this user' },
  NOT_FOUND: { status: 404, title: 'Resource not found' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused with a different request' },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    status: 409,
    title: 'A request with this idempotency key is still in progress',
  },
  POINTS_LIMIT_EXCEEDED: { status: 409, title: 'The charge would exceed the maximum balance' },
  INSUFFICIENT_POINTS: { status: 409, title: 'Not enough points' },
  STOCK_WOULD_GO_NEGATIVE: { status: 409, title: 'Stock cannot go below zero' },
  INSUFFICIENT_STOCK: { status: 409, title: 'Not enough stock' },
  COUPON_SOLD_OUT: { status: 409, title: 'The coupon is sold out' },
  COUPON_ALREADY_ISSUED: { status: 409, title: 'The coupon was already issued to this user' },
  COUPON_NOT_ISSUABLE: { status: 409, title: 'The coupon cannot be issued now' },
  COUPON_NOT_USABLE: { status: 409, title: 'The coupon cannot be used for this order' },
  ORDER_NOT_PAYABLE: { status: 409, title: 'The order cannot be paid' },
  ORDER_EXPIRED: { status: 409, title: 'The order expired before payment' },
  ORDER_NOT_CANCELLABLE: { status: 409, title: 'The order cannot be cancelled' },
  DEMO_SIGN_IN_DISABLED: { status: 403, title: 'Demo sign-in is not offered by this deployment' },
  RATE_LIMITED: { status: 429, title: 'Too many requests from this client; slow down' },
  OVERLOADED: { status: 503, title: 'The server is at capacity; retry shortly' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'The database is unavailable; retry shortly' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof errorCatalog

export interface FieldError {
  path: string
  message: string
}

/** A failure the client caused or can act on. Thrown by use cases, rendered once by the HTTP layer. */
export class AppError extends Error {
  readonly status: number
  readonly title: string
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(detail ?? errorCatalog[code].title)
    this.name = 'AppError'
    this.status = errorCatalog[code].status
    this.title = errorCatalog[code].title
  }
}

export const notFound = (what: string, id: number | string) =>
  new AppError('NOT_FOUND', `${what} ${id} not found`)

export const validationFailed = (errors: FieldError[]) =>
  new AppError('VALIDATION_FAILED', errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '), {
    errors,
  })
