/** True when a write failed on a unique constraint (SQLite and MySQL spellings). */
export function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false
  const code = (error as { code?: unknown }).code
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'ER_DUP_ENTRY'
  )
}

/** True when a server database picked this statement or transaction as a deadlock victim: it rolled back whole. */
export function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'ER_LOCK_DEADLOCK'
}
