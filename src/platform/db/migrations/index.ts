import type { Migration, MigrationProvider } from 'kysely/migration'
import * as initial from './001-initial.js'
import * as outboxClaims from './002-outbox-claims.js'
import * as dataPlatform from './003-data-platform.js'
import * as opsTimeline from './004-ops-timeline.js'
import * as idempotencyClaims from './005-idempotency-claims.js'

/**
 * Migrations are listed in code rather than read from a folder so that they travel inside any
 * bundle and their order is reviewed like any other change. Never edit a released one: add the next.
 */
export const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-outbox-claims': outboxClaims,
  '003-data-platform': dataPlatform,
  '004-ops-timeline': opsTimeline,
  '005-idempotency-claims': idempotencyClaims,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
