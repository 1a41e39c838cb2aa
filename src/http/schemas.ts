/** Schemas shared by many routes. Domain schemas live beside their routes. */
import { type Static, Type } from 'typebox'

/** Ids are positive integers that fit comfortably in a JS number and a BIGINT. */
export const Id = Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 })
export const Timestamp = Type.String({ format: 'date-time' })
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()])

/** Registered once with `app.addSchema` (a component in the spec); routes refer to it by `ProblemRef`. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  {
    $id: 'Problem',
    additionalProperties: true,
    description: 'RFC 9457 problem details with a stable `code`',
  },
)
export const ProblemRef = Type.Unsafe<Static<typeof Problem>>({ $ref: 'Problem#' })

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 64, pattern: '^[0-9]+$' })),
  },
  { additionalProperties: false },
)

export const UserIdParams = Type.Object({ userId: Id }, { additionalProperties: false })

/** Problem responses a route may answer, for the OpenAPI document. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, ProblemRef]))
}
