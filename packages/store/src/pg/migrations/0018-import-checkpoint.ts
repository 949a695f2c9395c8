import { sql, type Kysely } from 'kysely';

// Resumable imports on Postgres: the last committed source position per checkpoint key (the SQLite table's
// columns). Retention deletes the oldest events in (ts, id) order through events_ts_id, so it needs no index.
const statements = [
  `CREATE TABLE import_checkpoint (
     key text PRIMARY KEY, position bigint NOT NULL, inserted bigint NOT NULL, duplicates bigint NOT NULL,
     updated_ms bigint NOT NULL)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS import_checkpoint').execute(db);
}
