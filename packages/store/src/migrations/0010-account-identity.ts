import { sql, type Kysely } from 'kysely';
import { accountKeySql } from '../accounts/account-key';

// Canonical account identity (issue #17): every auth_index cpamp has seen maps to one account key, so an
// account that logs in again under a new file or auth_index keeps its history. Existing rows are linked
// here: the pool's accounts (provider, ChatGPT account id, email from CPA) first, then the usage
// `account` rows (provider and email) the pool never listed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE account_identity (
      auth_index TEXT PRIMARY KEY, account_key TEXT NOT NULL, provider TEXT,
      first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL)`.execute(db);
  await sql`CREATE INDEX account_identity_key ON account_identity(account_key)`.execute(db);
  await sql
    .raw(
      `INSERT OR IGNORE INTO account_identity (auth_index, account_key, provider, first_seen_ms, last_seen_ms)
       SELECT auth_index, ${accountKeySql('provider', 'chatgpt_account_id', 'email', 'auth_index')}, provider, synced_ms, synced_ms
       FROM pool_account`,
    )
    .execute(db);
  await sql
    .raw(
      `INSERT OR IGNORE INTO account_identity (auth_index, account_key, provider, first_seen_ms, last_seen_ms)
       SELECT auth_index, ${accountKeySql('provider', 'NULL', 'email', 'auth_index')}, provider,
              coalesce(first_seen_ms, 0), coalesce(last_seen_ms, first_seen_ms, 0)
       FROM account WHERE auth_index <> '' AND coalesce(email, '') <> ''`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS account_identity`.execute(db);
}
