import { sql, type Kysely } from 'kysely';

/**
 * Several CPAs: which CPAs each account id has events on (see analytics/account-cpas.ts), so a by-account view
 * split by CPA reads rollups for the accounts on one CPA. A few rows per account; filled at insert.
 */
export const ACCOUNT_UPSTREAM_TABLE = `CREATE TABLE IF NOT EXISTS account_upstream (
  account_id INTEGER NOT NULL, upstream_id INTEGER NOT NULL, PRIMARY KEY (account_id, upstream_id))`;

/**
 * The pairs of the stored events (both dialects). Pairs of another CPA than the default come through the partial
 * events_upstream_ts index (0024). The default CPA's: with no other CPA's events, every account (a superset: an
 * extra pair only sends that account to raw events); else one scan of the events.
 */
export async function fillAccountUpstream(db: Kysely<unknown>): Promise<void> {
  await sql`INSERT INTO account_upstream (account_id, upstream_id)
    SELECT DISTINCT account_id, upstream_id FROM events WHERE upstream_id <> 1 ON CONFLICT DO NOTHING`.execute(
    db,
  );
  const other = await sql<{
    n: number;
  }>`SELECT count(*) AS n FROM account_upstream WHERE upstream_id <> 1`.execute(db);
  if (Number(other.rows[0]?.n ?? 0) === 0)
    await sql`INSERT INTO account_upstream (account_id, upstream_id)
      SELECT id, 1 FROM account WHERE true ON CONFLICT DO NOTHING`.execute(db);
  else
    await sql`INSERT INTO account_upstream (account_id, upstream_id)
      SELECT DISTINCT account_id, 1 FROM events WHERE upstream_id = 1 ON CONFLICT DO NOTHING`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`${ACCOUNT_UPSTREAM_TABLE} WITHOUT ROWID`).execute(db);
  await fillAccountUpstream(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP TABLE IF EXISTS account_upstream').execute(db);
}
