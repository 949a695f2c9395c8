import { sql, type Kysely } from 'kysely';

// Client key labels keep at most the last 4 characters (see the SQLite migration of the same name).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE api_key SET label = CASE
      WHEN strpos(label, '…') > 0 THEN '…' || right(substr(label, strpos(label, '…') + 1), 4)
      WHEN char_length(label) = 0 THEN ''
      WHEN char_length(label) <= 6 THEN '…'
      WHEN char_length(label) <= 11 THEN '…' || right(label, 2)
      ELSE '…' || right(label, 4) END`.execute(db);
}
