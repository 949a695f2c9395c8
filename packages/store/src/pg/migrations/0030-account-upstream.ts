import { sql, type Kysely } from 'kysely';
import { ACCOUNT_UPSTREAM_TABLE, fillAccountUpstream } from '../../migrations/0030-account-upstream';

// The same (account, CPA) pairs as SQLite's 0030 (see there); re-runs idempotently.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(ACCOUNT_UPSTREAM_TABLE).execute(db);
  await fillAccountUpstream(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS account_upstream').execute(db);
}
