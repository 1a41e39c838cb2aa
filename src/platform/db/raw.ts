import type { QueryResult } from 'kysely'

/**
 * Hot write paths (placing and paying orders) use Kysely's `sql` template instead of the query
 * builder: building and compiling a builder query costs ~30 µs, the template ~10 µs, and an order
 * runs about ten statements (measured in docs/benchmarks.md). The SQL is plain and portable
 * (no quoting, no dialect features), so SQLite and MySQL run the same text.
 */
export const affected = (result: QueryResult<unknown>) => Number(result.numAffectedRows ?? 0n)
export const insertedId = (result: QueryResult<unknown>) => Number(result.insertId ?? 0n)
