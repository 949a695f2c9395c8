import { sql, type Kysely } from 'kysely';

/**
 * Views filtered by CPA outside the column cache (SQLite ranges older than its window; Postgres always) read raw
 * events: no rollup carries the upstream. This index lets them read only the CPA's rows of the range. Partial
 * (`upstream_id <> 1`): the default upstream is the single-CPA history, so a one-CPA install (every event is
 * upstream 1) pays nothing — no bytes, no insert cost — and with named CPAs every new event is in it. A filter
 * that names only non-default CPAs adds the same literal term (aggregate-query.ts `upstreamTerms`), which is what
 * lets both planners use a partial index. The default CPA's filter reads the time index, as before.
 *
 * Why not an upstream dimension in the rollups: it would change every rollup key (or double every tier) that
 * day-dims / zone-views also extend, and the measurement (bench/results README, "scale, upstream filter")
 * showed the index path within budget at 1M for the named CPA on Postgres; the cache answers SQLite.
 */
export const UPSTREAM_TS_INDEX = `CREATE INDEX IF NOT EXISTS events_upstream_ts ON events (upstream_id, ts) WHERE upstream_id <> 1`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UPSTREAM_TS_INDEX).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX IF EXISTS events_upstream_ts').execute(db);
}
