import { sql, type Kysely } from 'kysely';

/**
 * Views filtered by CPA outside the column cache (SQLite ranges older than its window; Postgres always) read raw
 * events: no rollup carries the upstream. This index lets them read only the CPA's rows of the range. Partial
 * (`upstream_id <> 1`): the default upstream is the single-CPA history, so a one-CPA install (every event is
 * upstream 1) pays nothing — no bytes, no insert cost — and with named CPAs every new event is in it. A filter
 * that names only non-default CPAs adds the same literal term (analytics/upstream-index.ts), which is what
 * lets both planners use a partial index. The default CPA's filter reads the time index, as before.
 *
 * Why an index and not an upstream dimension in the rollups: measured at 1M events over two CPAs (60 / 40 %,
 * bench/results README "scale, upstream filter"), the index makes a named CPA's SQLite SQL views ~1.5–2.5× faster
 * (p50); Postgres at a 40 % share showed no measurable change (a smaller share may pick it; not measured). It
 * costs ~18 B per indexed event (7 MB for 400k) and nothing for a one-CPA install (4 KB and 5 s to build on the
 * 10M file; a full (upstream_id, ts) index there is 162 MB = 16 B/event and 26 s). It does not bring 365-day views
 * under 300 ms: those read 400k+ raw rows either way. That needs per-CPA rollup tiers, which would re-key or double
 * every tier day-dims / zone-views also extend; left as the next step. SQLite answers from the column cache first.
 * Since 0033 the CPA tiers answer those views, and SQLite drops this index there (Postgres keeps it).
 */
export const UPSTREAM_TS_INDEX = `CREATE INDEX IF NOT EXISTS events_upstream_ts ON events (upstream_id, ts) WHERE upstream_id <> 1`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UPSTREAM_TS_INDEX).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP INDEX IF EXISTS events_upstream_ts').execute(db);
}
