import { sql, type Kysely } from 'kysely';

// Budgets per API key (by key hash), the keys cpamp holds out of CPA at their budget (the key encrypted
// with the data key, so a restart can put it back), the budget action log, and read-only share links
// (only a sha256 of each token is stored).
const statements = [
  `CREATE TABLE key_budgets (
     key_hash TEXT PRIMARY KEY, period TEXT NOT NULL, limit_micros INTEGER NOT NULL,
     enforce INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL)`,
  `CREATE TABLE budget_holds (
     key_hash TEXT PRIMARY KEY, key_enc TEXT NOT NULL, removed_ms INTEGER NOT NULL, restore_ms INTEGER NOT NULL)`,
  `CREATE TABLE budget_log (
     id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, key_hash TEXT NOT NULL, action TEXT NOT NULL,
     ok INTEGER NOT NULL, detail TEXT NOT NULL)`,
  `CREATE INDEX budget_log_key ON budget_log(key_hash, id)`,
  `CREATE TABLE share_links (
     id INTEGER PRIMARY KEY, key_hash TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, token_prefix TEXT NOT NULL,
     label TEXT, created_ms INTEGER NOT NULL, revoked_ms INTEGER, last_used_ms INTEGER)`,
  `CREATE INDEX share_links_key ON share_links(key_hash, id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['share_links', 'budget_log', 'budget_holds', 'key_budgets'])
    await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
}
