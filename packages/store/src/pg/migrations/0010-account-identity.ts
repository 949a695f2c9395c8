import { sql, type Kysely } from 'kysely';
import { accountKeySql } from '../../accounts/account-key';

// Postgres twin of migrations/0010-account-identity.ts: the auth_index → account key map, linked for the
// usage `account` rows that carry an email (the pool tables came later, in 0013, and link their own).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE account_identity (
      auth_index text PRIMARY KEY, account_key text NOT NULL, provider text,
      first_seen_ms bigint NOT NULL, last_seen_ms bigint NOT NULL)`.execute(db);
  await sql`CREATE INDEX account_identity_key ON account_identity(account_key)`.execute(db);
  await sql
    .raw(
      `INSERT INTO account_identity (auth_index, account_key, provider, first_seen_ms, last_seen_ms)
       SELECT auth_index, ${accountKeySql('provider', 'NULL', 'email', 'auth_index')}, provider,
              coalesce(first_seen_ms, 0), coalesce(last_seen_ms, first_seen_ms, 0)
       FROM account WHERE auth_index <> '' AND coalesce(email, '') <> ''
       ON CONFLICT (auth_index) DO NOTHING`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS account_identity`.execute(db);
}
