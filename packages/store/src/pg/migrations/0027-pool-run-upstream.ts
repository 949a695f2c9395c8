import { sql, type Kysely } from 'kysely';

// The same nullable `upstream` column of inspection runs as SQLite's 0027 (see there); re-runs idempotently.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE pool_inspection_run ADD COLUMN IF NOT EXISTS upstream TEXT').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE pool_inspection_run DROP COLUMN upstream').execute(db);
}
