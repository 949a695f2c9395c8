import { sql, type Kysely } from 'kysely';

// Saved analytics views (issue #19): a name and the Monitoring page's state (range, filters, tab) as JSON text.
const statements = [
  `CREATE TABLE saved_views (
     id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
     created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS saved_views').execute(db);
}
