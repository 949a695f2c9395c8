import type { Kysely } from 'kysely';

// Postgres-only rollup tiers (rollups/pg-dims-tables.ts, pg/migrations/0031-pg-dims.ts): SQLite keeps its 250
// B/event budget and answers those cells from the column cache and raw events. A no-op here, under the same name.
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}
