import { loadConfig } from '../config/index.js'
import { createRuntime } from '../runtime.js'

/** Keys in a stable order, so the committed file only changes when the contract does. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}

/** The OpenAPI document the code declares, generated from the route schemas. */
export async function generateSpec(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    SEED: 'none',
    JWT_SECRET: 'spec-generation-only-'.repeat(2),
    LOG_LEVEL: 'silent',
    // The contract is the API's; whether the storefront happens to be built must not change it.
    STOREFRONT_DIR: 'none',
  })
  const runtime = await createRuntime(config, { background: false, defaultMetrics: false })
  try {
    await runtime.app.ready()
    return sorted(runtime.app.swagger()) as Record<string, unknown>
  } finally {
    await runtime.close()
  }
}

export const specText = (spec: unknown) => `${JSON.stringify(spec, null, 2)}\n`
