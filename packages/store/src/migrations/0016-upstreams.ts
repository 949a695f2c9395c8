import { sql, type Kysely } from 'kysely';

// Several CPAs into one store (issue #21 item 2): a dictionary of upstream names and the events column that
// names each event's CPA. Id 1 is "default" (the single CPA_UPSTREAM_URL / saved connection), so every
// existing row belongs to it; ADD COLUMN with a constant default rewrites nothing.
const statements = [
  `CREATE TABLE upstream (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `INSERT INTO upstream(id, name) VALUES (1, 'default')`,
  `ALTER TABLE events ADD COLUMN upstream_id INTEGER NOT NULL DEFAULT 1`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE events DROP COLUMN upstream_id').execute(db);
  await sql.raw('DROP TABLE IF EXISTS upstream').execute(db);
}
