import { sql, type Kysely } from 'kysely';

// The pool's own settings table is folded into `settings` (keys prefixed `pool.`), so every
// setting goes through the one settings repository. Numbered 0005: 0004 is the jobs table.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`INSERT OR IGNORE INTO settings (key, value, updated_ms)
            SELECT 'pool.' || key, value, updated_ms FROM pool_setting`.execute(db);
  await sql`DROP TABLE pool_setting`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE pool_setting (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL)`.execute(
    db,
  );
  await sql`INSERT INTO pool_setting (key, value, updated_ms)
            SELECT substr(key, 6), value, updated_ms FROM settings WHERE key LIKE 'pool.%'`.execute(db);
  await sql`DELETE FROM settings WHERE key LIKE 'pool.%'`.execute(db);
}
