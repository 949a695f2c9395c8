import { sql, type Kysely } from 'kysely';
import { UPSTREAM_TS_INDEX } from '../../migrations/0024-upstream-ts';

// The same partial (upstream_id, ts) index as SQLite's 0024 (see there for why an index and not rollups).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UPSTREAM_TS_INDEX).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX IF EXISTS events_upstream_ts').execute(db);
}
