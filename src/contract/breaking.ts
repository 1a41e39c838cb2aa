import { apiCompare } from 'api-smart-diff'

export interface Change {
  type: string
  action: string
  path: string
  description?: string
}

/**
 * The changes from `before` to `after` that can break an existing client: a removed operation, a
 * new required input, a narrowed or changed type, a removed response field… (classified by
 * api-smart-diff's OpenAPI rules).
 */
export function breakingChanges(before: object, after: object): Change[] {
  const { diffs } = apiCompare(before, after)
  return diffs
    .filter((d) => d.type === 'breaking')
    .map((d) => ({ type: d.type, action: d.action, path: d.path.join('.'), description: d.description }))
}
