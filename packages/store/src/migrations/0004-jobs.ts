import { sql, type Kysely } from 'kysely';

// Background jobs: one row per job, JSON columns as text (params, result, resume cursor).
const statements = [
  `CREATE TABLE jobs (
     id INTEGER PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, params TEXT NOT NULL,
     done REAL NOT NULL, total REAL, message TEXT, result TEXT, error_code TEXT, error_message TEXT,
     cursor TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0,
     created_ms INTEGER NOT NULL, started_ms INTEGER, updated_ms INTEGER NOT NULL, finished_ms INTEGER)`,
  // Start-up looks for unfinished jobs; /status lists the running ones.
  `CREATE INDEX jobs_state ON jobs(state, id)`,
  `CREATE INDEX jobs_kind ON jobs(kind, id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS jobs').execute(db);
}
