import { sql } from 'kysely';
import { STATUS_CLASS_SQL, failedSql } from '../events/event-flags';
import { bucketSql } from '../events/ttft-buckets';
import {
  DAY_MS,
  HOUR_MS,
  METRIC_COLS,
  rollupRebuildRange,
  type RollupContribution,
} from '../rollups/rollup-batch';
import { rollupRows } from '../rollups/rollup-rows';
import { sortByKey } from '../rollups/multi-row-upsert';
import { intArray } from './pg-array';
import type { PgExec } from './pg-connection';
import { applyPgZoneRollups, rebuildPgZoneRollups } from './pg-zone-rollups';
import { applyPgLateRollups, readPgFoldMarks } from './pg-fold';
import type { FoldMarks } from '../rollups/fold-tier';
import { applyPgSpanLate, rederivePgSpanRollups } from './pg-rollups-cross';
import { DAY_DIMS_GROUP } from '../rollups/day-dims-fold';
import { PG_DIMS_GROUP } from '../rollups/pg-dims-tables';
import { uptoOf } from '../rollups/fold-tier';

const SET = METRIC_COLS.map((c) =>
  c === 'last_ts' ? `last_ts = greatest(t.last_ts, excluded.last_ts)` : `${c} = t.${c} + excluded.${c}`,
).join(', ');

/**
 * One unnest() upsert of a batch's rows `[...keyCols, ...values]` (rollup-rows.ts, as SQLite binds them), sorted by
 * key: concurrent writers then lock rollup rows in the same order (no deadlocks).
 */
async function upsertRows(
  exec: PgExec,
  table: string,
  keyCols: readonly string[],
  valueCols: readonly string[],
  set: string,
  rows: number[][],
): Promise<void> {
  if (rows.length === 0) return;
  sortByKey(rows, keyCols.length);
  const cols = [...keyCols, ...valueCols];
  const arrays = cols.map((_, i) => intArray(rows.map((r) => r[i]!)));
  await sql`INSERT INTO ${sql.table(table)} AS t (${sql.raw(cols.join(', '))})
    SELECT * FROM unnest(${sql.join(arrays.map((a) => sql`${a}::bigint[]`))})
    ON CONFLICT (${sql.raw(keyCols.join(', '))}) DO UPDATE SET ${sql.raw(set)}`.execute(exec);
}

/**
 * Adds a batch's contributions to every rollup (inside the caller's transaction), summed by rollupRows as on
 * SQLite; `marks` (read FOR SHARE at the start of that transaction): the deferred tiers take only the events below
 * their watermark.
 */
export async function applyRollups(
  exec: PgExec,
  items: readonly RollupContribution[],
  marks: FoldMarks,
): Promise<void> {
  const { hour, day, dayKey, dayAccount, latency, ttft } = rollupRows(items);
  const dims = ['model_id', 'provider_id', 'sclass'];
  await upsertRows(exec, 'rollup_hour', ['hour', ...dims], METRIC_COLS, SET, [...hour.values()]);
  await upsertRows(exec, 'rollup_day', ['day', ...dims], METRIC_COLS, SET, [...day.values()]);
  await upsertRows(exec, 'rollup_day_key', ['day', 'key_id', 'sclass'], METRIC_COLS, SET, [...dayKey.values()]);
  await upsertRows(exec, 'rollup_day_account', ['day', 'account_id', 'sclass'], METRIC_COLS, SET, [
    ...dayAccount.values(),
  ]);
  const hist = ['hour', 'model_id', 'bucket'];
  await upsertRows(exec, 'rollup_hour_latency', hist, ['n'], 'n = t.n + excluded.n', [...latency.values()]);
  await upsertRows(exec, 'rollup_hour_ttft', hist, ['n'], 'n = t.n + excluded.n', [...ttft.values()]);
  await applyPgZoneRollups(exec, items);
  await applyPgLateRollups(exec, items, marks);
  await applyPgSpanLate(exec, items, uptoOf(marks, DAY_DIMS_GROUP), uptoOf(marks, PG_DIMS_GROUP));
}

const SUMS = `count(*), sum(${failedSql()}), sum(input), sum(cache_read), sum(cache_creation), sum(output), sum(reasoning),
  sum(unclassified), coalesce(sum(cost), 0), count(*) FILTER (WHERE cost IS NULL), sum(latency), max(ts)`;

/** Recomputes every rollup row touching [fromMs, toMs), widened to whole UTC days, from raw events. */
export async function rebuildPgRollups(exec: PgExec, fromMs: number, toMs: number): Promise<void> {
  const { d0, d1, t0, t1, h0, h1 } = rollupRebuildRange(fromMs, toMs);
  const m = sql.raw(METRIC_COLS.join(', '));
  const sums = sql.raw(SUMS);
  const sclass = sql.raw(STATUS_CLASS_SQL);
  await sql`DELETE FROM rollup_hour WHERE hour >= ${h0} AND hour < ${h1}`.execute(exec);
  await sql`DELETE FROM rollup_hour_latency WHERE hour >= ${h0} AND hour < ${h1}`.execute(exec);
  await sql`DELETE FROM rollup_hour_ttft WHERE hour >= ${h0} AND hour < ${h1}`.execute(exec);
  await sql`DELETE FROM rollup_day WHERE day >= ${d0} AND day < ${d1}`.execute(exec);
  await sql`DELETE FROM rollup_day_key WHERE day >= ${d0} AND day < ${d1}`.execute(exec);
  await sql`DELETE FROM rollup_day_account WHERE day >= ${d0} AND day < ${d1}`.execute(exec);
  await sql`INSERT INTO rollup_hour (hour, model_id, provider_id, sclass, ${m})
    SELECT ts / ${sql.lit(HOUR_MS)}, model_id, provider_id, ${sclass}, ${sums} FROM events
    WHERE ts >= ${t0} AND ts < ${t1} GROUP BY 1, 2, 3, 4`.execute(exec);
  await sql`INSERT INTO rollup_day (day, model_id, provider_id, sclass, ${m})
    SELECT ts / ${sql.lit(DAY_MS)}, model_id, provider_id, ${sclass}, ${sums} FROM events
    WHERE ts >= ${t0} AND ts < ${t1} GROUP BY 1, 2, 3, 4`.execute(exec);
  await sql`INSERT INTO rollup_hour_latency (hour, model_id, bucket, n)
    SELECT ts / ${sql.lit(HOUR_MS)}, model_id, lat_bucket, count(*) FROM events
    WHERE ts >= ${t0} AND ts < ${t1} GROUP BY 1, 2, 3`.execute(exec);
  await sql`INSERT INTO rollup_hour_ttft (hour, model_id, bucket, n)
    SELECT ts / ${sql.lit(HOUR_MS)}, model_id, ${sql.raw(bucketSql('ttft'))}, count(*) FROM events
    WHERE ts >= ${t0} AND ts < ${t1} AND ttft > 0 GROUP BY 1, 2, 3`.execute(exec);
  await sql`INSERT INTO rollup_day_key (day, key_id, sclass, ${m})
    SELECT ts / ${sql.lit(DAY_MS)}, key_id, ${sclass}, ${sums} FROM events
    WHERE ts >= ${t0} AND ts < ${t1} GROUP BY 1, 2, 3`.execute(exec);
  await sql`INSERT INTO rollup_day_account (day, account_id, sclass, ${m})
    SELECT ts / ${sql.lit(DAY_MS)}, account_id, ${sclass}, ${sums} FROM events
    WHERE ts >= ${t0} AND ts < ${t1} GROUP BY 1, 2, 3`.execute(exec);
  await rebuildPgZoneRollups(exec, fromMs, toMs);
  // After the day tiers (above, and the deferred ones in rebuildPgZoneRollups): their closed span blocks.
  const marks = await readPgFoldMarks(exec);
  await rederivePgSpanRollups(exec, fromMs, toMs, uptoOf(marks, DAY_DIMS_GROUP), uptoOf(marks, PG_DIMS_GROUP));
}
