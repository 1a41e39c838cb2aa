import type { RouteOptions } from 'fastify'

type HookName = 'onRequest' | 'preValidation' | 'preHandler' | 'onSend'
const kTag = Symbol('floodgate.hook')

/**
 * Adds a hook to one route (from an `onRoute` listener) instead of to every request: a GET of a
 * product then pays for no idempotency, auth or alias hooks it does not need. Tagged, so that a
 * route cloned from another (an alias) does not get the same hook twice.
 */
export function addRouteHook(
  route: RouteOptions,
  name: HookName,
  tag: string,
  hook: (...args: never[]) => unknown,
) {
  const hooks = ([] as unknown[]).concat(route[name] ?? [])
  if (hooks.some((h) => (h as { [kTag]?: string })[kTag] === tag)) return
  route[name] = [...hooks, Object.assign(hook, { [kTag]: tag })] as never
}
