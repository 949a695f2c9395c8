import { sql } from 'kysely';
import { STATUS_CLASS_SQL, failedSql } from '../events/event-flags';
import { bucketSql } from '../events/ttft-buckets';
import {
  DAY_MS,
  HOUR_MS,
  METRIC_COLS,
  aggregateRollups,
  rollupKeyParts,
  rollupRebuildRange,
  type RollupAgg,
  type RollupContribution,
} from '../rollups/rollup-batch';
import { intArray } from './pg-array';
import type { PgExec } from './pg-connection';
import { applyPgZoneRollups, rebuildPgZoneRollups } from './pg-zone-rollups';
import { applyPgLateRollups, readPgFoldMarks } from './pg-fold';
import type { FoldMarks } from '../rollups/fold-tier';
import { applyPgSpanLate, rederivePgSpanRollups } from './pg-rollups-cross';
import { DAY_DIMS_GROUP } from '../rollups/day-dims-fold';
import { uptoOf } from '../rollups/fold-tier';

/** Sorted key order: concurrent writers then lock rollup rows in the same order (no deadlocks). */
const sortedEntries = <V>(m: Map<string, V>): [number[], V][] =>
  [...m]
    .map(([k, v]): [number[], V] => [rollupKeyParts(k), v])
    .sort((a, b) => {
      for (let i = 0; i < a[0].length; i++) if (a[0][i] !== b[0][i]) return a[0][i]! - b[0][i]!;
      return 0;
    });

async function upsert(
  exec: PgExec,
  table: string,
  keyCols: string[],
  entries: [number[], RollupAgg][],
): Promise<void> {
  if (entries.length === 0) return;
  const cols = [...keyCols, ...METRIC_COLS];
  const arrays = cols.map((_, i) =>
    i < keyCols.length ? entries.map((e) => e[0][i]!) : entries.map((e) => e[1][i - keyCols.length]!),
  );
  const set = METRIC_COLS.map((c) =>
    c === 'last_ts' ? `last_ts = greatest(t.last_ts, excluded.last_ts)` : `${c} = t.${c} + excluded.${c}`,
  ).join(', ');
  await sql`INSERT INTO ${sql.table(table)} AS t (${sql.raw(cols.join(', '))})
    SELECT * FROM unnest(${sql.join(arrays.map((a) => sql`${intArray(a)}::bigint[]`))})
    ON CONFLICT (${sql.raw(keyCols.join(', '))}) DO UPDATE SET ${sql.raw(set)}`.execute(exec);
}

/**
 * Adds a batch's contributions to every rollup (inside the caller's transaction); `marks` (read FOR SHARE at the
 * start of that transaction): the deferred tiers take only the events below their watermark.
 */
export async function applyRollups(
  exec: PgExec,
  items: readonly RollupContribution[],
  marks: FoldMarks,
): Promise<void> {
  const { hour, day, dayKey, dayAccount, latency, ttft } = aggregateRollups(items);
  await upsert(exec, 'rollup_hour', ['hour', 'model_id', 'provider_id', 'sclass'], sortedEntries(hour));
  await upsert(exec, 'rollup_day', ['day', 'model_id', 'provider_id', 'sclass'], sortedEntries(day));
  await upsert(exec, 'rollup_day_key', ['day', 'key_id', 'sclass'], sortedEntries(dayKey));
  await upsert(exec, 'rollup_day_account', ['day', 'account_id', 'sclass'], sortedEntries(dayAccount));
  const l = sortedEntries(latency);
  if (l.length) {
    await sql`INSERT INTO rollup_hour_latency AS t (hour, model_id, bucket, n)
      SELECT * FROM unnest(${intArray(l.map((x) => x[0][0]!))}::bigint[], ${intArray(l.map((x) => x[0][1]!))}::int[],
        ${intArray(l.map((x) => x[0][2]!))}::int[], ${intArray(l.map((x) => x[1]))}::bigint[])
      ON CONFLICT (hour, model_id, bucket) DO UPDATE SET n = t.n + excluded.n`.execute(exec);
  }
  const tt = sortedEntries(ttft);
  if (tt.length) {
    await sql`INSERT INTO rollup_hour_ttft AS t (hour, model_id, bucket, n)
      SELECT * FROM unnest(${intArray(tt.map((x) => x[0][0]!))}::bigint[], ${intArray(tt.map((x) => x[0][1]!))}::int[],
        ${intArray(tt.map((x) => x[0][2]!))}::int[], ${intArray(tt.map((x) => x[1]))}::bigint[])
      ON CONFLICT (hour, model_id, bucket) DO UPDATE SET n = t.n + excluded.n`.execute(exec);
  }
  await applyPgZoneRollups(exec, items);
  await applyPgLateRollups(exec, items, marks);
  await applyPgSpanLate(exec, items, uptoOf(marks, DAY_DIMS_GROUP));
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
  await rederivePgSpanRollups(exec, fromMs, toMs, uptoOf(await readPgFoldMarks(exec), DAY_DIMS_GROUP));
}
