import { sql, type Kysely } from 'kysely';

// Client key labels used to keep the first 4 and last 4 characters; now they keep at most the last 4
// (io/key-fields.ts has the same rule in TypeScript). The column cache snapshot holds the old labels, so
// its epoch is bumped in the same migration.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE api_key SET label = CASE
      WHEN instr(label, '…') > 0 THEN '…' || substr(substr(label, instr(label, '…') + 1), -4)
      WHEN length(label) = 0 THEN ''
      WHEN length(label) <= 6 THEN '…'
      WHEN length(label) <= 11 THEN '…' || substr(label, -2)
      ELSE '…' || substr(label, -4) END`.execute(db);
  await sql`INSERT INTO settings(key, value, updated_ms) VALUES ('column_cache_epoch', '1', 0)
      ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`.execute(db);
}
