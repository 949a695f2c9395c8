import { sql, type Kysely } from 'kysely';
import { POOL_RUN_UPSTREAM } from '../../migrations/0027-pool-run-upstream';

// The same nullable `upstream` column of inspection runs as SQLite's 0027 (see there).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(POOL_RUN_UPSTREAM).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE pool_inspection_run DROP COLUMN upstream').execute(db);
}
