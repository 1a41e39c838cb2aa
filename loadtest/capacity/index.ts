import type { CapacityOptions } from '../options.js'

export async function runCapacity(_opts: CapacityOptions): Promise<number> {
  throw new Error('capacity: not built yet')
}
