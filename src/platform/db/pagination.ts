/**
 * Keyset pagination: the cursor is the last id the client saw, so pages stay stable while rows
 * are added, and every page costs one index range scan.
 */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export function pageOf<T extends { id: number }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > limit && last ? String(last.id) : null }
}

export const cursorId = (cursor: string | undefined): number | undefined =>
  cursor === undefined ? undefined : Number(cursor)
