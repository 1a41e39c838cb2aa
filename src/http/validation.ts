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
  return ajv
}

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
