/**
 * Every API route has a priority class, declared next to the route (`config: { priority }`) or
 * defaulted by method. Under pressure sheddable requests go first; critical ones keep a reserved
 * share of the concurrency limit and may use whatever the others leave idle.
 */
export type PriorityClass = 'critical' | 'important' | 'sheddable'

export const priorityClasses: readonly PriorityClass[] = ['critical', 'important', 'sheddable']

/**
 * The share of the limit a class may fill (counting everyone in service). Critical may use all of
 * it, so 20 % of the limit is always free for critical work and 20 % more for critical or important.
 */
export const classShare: Record<PriorityClass, number> = { critical: 1, important: 0.8, sheddable: 0.6 }

/** Reads are sheddable and writes important unless the route says otherwise. */
export function defaultPriority(method: string): PriorityClass {
  return method === 'GET' || method === 'HEAD' ? 'sheddable' : 'important'
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's admission class; the default is `defaultPriority(method)`. */
    priority?: PriorityClass
    /**
     * The route's work is done in shared batches (orders on a server database): its latency grows
     * with the batch it joins, which is throughput, not queueing. Its requests hold concurrency
     * slots like any other but do not steer the adaptive limit.
     */
    batched?: boolean
  }
}
