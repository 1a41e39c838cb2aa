import type { QueryResult } from 'kysely'

/**
 * Hot write paths (placing and paying orders) use Kysely's `sql` template instead of the query
 * builder: a builder statement costs 21-35 µs, the template 7-10 µs (`npm run bench:query`, see
 * docs/benchmarks.md), and an order runs about ten statements. The SQL is plain and portable
 * (no quoting, no dialect features), so SQLite and MySQL run the same text.
 */
export const affected = (result: QueryResult<unknown>) => Number(result.numAffectedRows ?? 0n)
export const insertedId = (result: QueryResult<unknown>) => Number(result.insertId ?? 0n)
