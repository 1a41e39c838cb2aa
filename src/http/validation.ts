import { Ajv, type ErrorObject } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaValidationError } from 'fastify/types/schema.js'
import type { FieldError } from '../platform/errors/index.js'

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
