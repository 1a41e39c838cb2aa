import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>
}
type Spec = {
  paths: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, object> }
}

/** Inlines `#/components/schemas/X` references so each response schema compiles on its own. */
function deref(schema: unknown, spec: Spec): unknown {
  if (Array.isArray(schema)) return schema.map((s) => deref(s, spec))
  if (!schema || typeof schema !== 'object') return schema
  const ref = (schema as { $ref?: string }).$ref
  if (ref?.startsWith('#/components/schemas/')) {
    const target = spec.components?.schemas?.[ref.slice('#/components/schemas/'.length)]
    if (!target) throw new Error(`unresolved ${ref}`)
    return deref(target, spec)
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, deref(v, spec)]))
}

/**
 * Checks an answer against the OpenAPI document: the status must be documented for the operation
 * (exactly or as a `4XX`/`5XX` range) and a JSON body must match its schema. Used by every HTTP
 * test (through the harness) and by the smoke command, so the spec cannot lie.
 */
export function createResponseValidator(spec: Spec) {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  const routes = Object.entries(spec.paths).map(([path, ops]) => ({
    ops,
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    // Static segments win over parameters, as in the router.
    weight: path.split('/').filter((s) => s && !s.startsWith('{')).length,
  }))
  routes.sort((a, b) => b.weight - a.weight)
  const compiled = new Map<object, ReturnType<Ajv2020['compile']>>()

  /** Returns the problems found; `undefined` when the path is not in the spec at all. */
  return function validate(
    method: string,
    url: string,
    status: number,
    contentType: string | undefined,
    body: string,
  ) {
    const path = url.split('?')[0]!
    const route = routes.find((r) => r.pattern.test(path) && r.ops[method.toLowerCase()])
    const op = route?.ops[method.toLowerCase()]
    if (!op) return undefined
    const responses = op.responses ?? {}
    const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses['default']
    if (!response) return [`${method} ${path}: status ${status} is not documented`]
    const media = contentType?.split(';')[0]?.trim() ?? ''
    const schema = response.content?.[media]?.schema ?? response.content?.['application/json']?.schema
    if (!schema || !media.endsWith('json')) return []
    let data: unknown
    try {
      data = JSON.parse(body)
    } catch {
      return [`${method} ${path} ${status}: body is not JSON`]
    }
    let check = compiled.get(schema)
    if (!check) {
      check = ajv.compile(deref(schema, spec) as object)
      compiled.set(schema, check)
    }
    if (check(data)) return []
    return (check.errors ?? []).map(
      (e) => `${method} ${path} ${status}: ${e.instancePath || '(body)'} ${e.message}`,
    )
  }
}
