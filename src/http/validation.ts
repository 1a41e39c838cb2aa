import { Ajv, type ErrorObject } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import { type FieldError, validationFailed } from '../platform/errors/index.js'

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

/**
 * Two validators: bodies are checked strictly (a string "5" is not the integer 5, unknown fields
 * are errors, nothing is coerced or removed), while path and query values, which arrive as text,
 * are coerced to their declared types.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: true,
    strict: false,
  })
  addFormats(ajv)
  // A timestamp we accept must be an instant we can store and write back as RFC 3339 in UTC.
  // Date.parse cannot read a leap second (23:59:60: NaN would be stored), and an offset can move
  // 9999-12-31 or 0000-01-01 out of four-digit years (every later answer showing it would fail).
  const rfc3339 = ajv.formats['date-time'] as { validate: (s: string) => boolean }
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => {
      const ms = rfc3339.validate(s) ? Date.parse(s) : Number.NaN
      return ms >= FIRST_INSTANT && ms <= LAST_INSTANT
    },
  })
  return ajv
}

const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z')
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z')

const strictAjv = makeAjv(false)
const coercingAjv = makeAjv(true)

export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  const ajv = httpPart === 'body' ? strictAjv : coercingAjv
  return ajv.compile(schema)
}

/** Turns ajv's errors into `{path, message}` pairs a client can show next to a field. */
export function toFieldErrors(
  context: string,
  errors: ReadonlyArray<FastifySchemaValidationError | ErrorObject>,
): FieldError[] {
  return errors.slice(0, 20).map((e) => {
    const params = (e.params ?? {}) as Record<string, unknown>
    let path = `${context}${e.instancePath ?? ''}`
    let message = e.message ?? 'is invalid'
    if (typeof params['additionalProperty'] === 'string') {
      path += `/${params['additionalProperty']}`
      message = 'is not an allowed field'
    } else if (typeof params['missingProperty'] === 'string') {
      path += `/${params['missingProperty']}`
      message = 'is required'
    }
    return { path, message }
  })
}

const DECIMAL = /^(0|[1-9][0-9]*)$/

/**
 * Path and query integers must be written as plain decimals: ajv's coercion alone would read
 * `1e3` as 1000 and `0x10` as 16, so one order would have many spellings (and idempotency scopes).
 */
export function requireDecimalIntegers(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as
      | Record<string, { properties?: Record<string, { type?: string }> }>
      | undefined
    const fields = (['params', 'querystring'] as const).flatMap((part) =>
      Object.entries(schema?.[part]?.properties ?? {})
        .filter(([, s]) => s.type === 'integer')
        .map(([name]) => ({ part, name })),
    )
    const hooks = ([] as unknown[]).concat(route.preValidation ?? [])
    // Alias routes are cloned from routes that already carry the check.
    if (fields.length === 0 || hooks.some((h) => (h as { decimalCheck?: true }).decimalCheck)) return
    const check = async (request: FastifyRequest) => {
      const errors = fields.flatMap(({ part, name }) => {
        const source = (part === 'params' ? request.params : request.query) as Record<string, unknown>
        const raw = source?.[name]
        return raw === undefined || (typeof raw === 'string' && DECIMAL.test(raw))
          ? []
          : [{ path: `${part}/${name}`, message: 'must be a plain decimal integer' }]
      })
      if (errors.length > 0) throw validationFailed(errors)
    }
    route.preValidation = [
      ...hooks,
      Object.assign(check, { decimalCheck: true as const }),
    ] as typeof route.preValidation
  })
}
