import { sql, type Kysely } from 'kysely';

// Price versions per model with their effective ranges: a change "from <date>" closes the version
// before it, so events before the date keep their price. `from_ms` NULL = since the beginning, `to_ms`
// NULL = still in effect, `price` NULL = removed. Rows for existing prices are written on first open
// (the JSON shape is the repository's, not SQL's). `context_tiers` holds Plus-style context tiers.
const statements = [
  `CREATE TABLE model_price_version (
     id INTEGER PRIMARY KEY, model TEXT NOT NULL, from_ms INTEGER, to_ms INTEGER, price TEXT,
     created_ms INTEGER NOT NULL, reason TEXT NOT NULL)`,
  `CREATE INDEX model_price_version_model ON model_price_version(model, id)`,
  `ALTER TABLE model_price ADD COLUMN context_tiers TEXT`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS model_price_version').execute(db);
  await sql.raw('ALTER TABLE model_price DROP COLUMN context_tiers').execute(db);
}
