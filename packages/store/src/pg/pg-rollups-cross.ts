import { sql } from 'kysely';
import {
  METRIC_COLS,
  rollupKeyParts,
  rollupRebuildRange,
  type RollupAgg,
  type RollupContribution,
} from '../rollups/rollup-batch';
import {
  CROSS_TIERS,
  DAY_HIST_TABLES,
  aggregateCrossRollups,
  crossFillSql,
  crossKeyCols,
  dayHistFillSql,
} from '../rollups/rollup-cross';
import {
  SPANS,
  SPAN_TIERS,
  aggregateSpanRollups,
  spanFillSql,
  spanKeyCols,
  spanRebuildDays,
} from '../rollups/rollup-spans';
import { HIST_SPAN_TABLES, aggregateHistSpans, histSpanRebuildSql } from '../rollups/rollup-span-hist';
import type { PgExec } from './pg-connection';

/** Sorted key order: concurrent writers then lock rows in the same order (no deadlocks). */
const sorted = <V>(m: Map<string, V>): [number[], V][] =>
  [...m]
    .map(([k, v]): [number[], V] => [rollupKeyParts(k), v])
    .sort((a, b) => {
      for (let i = 0; i < a[0].length; i++) if (a[0][i] !== b[0][i]) return a[0][i]! - b[0][i]!;
      return 0;
    });

const SET = METRIC_COLS.map((c) =>
  c === 'last_ts' ? 'last_ts = greatest(t.last_ts, excluded.last_ts)' : `${c} = t.${c} + excluded.${c}`,
).join(', ');

async function upsertMetrics(
  exec: PgExec,
  table: string,
  keys: string[],
  m: Map<string, RollupAgg>,
): Promise<void> {
  const entries: [number[], RollupAgg][] = sorted(m);
  if (entries.length === 0) return;
  const cols = [...keys, ...METRIC_COLS];
  const arrays = cols.map((_, j) =>
    j < keys.length ? entries.map((e) => e[0][j]!) : entries.map((e) => e[1][j - keys.length]!),
  );
  await sql`INSERT INTO ${sql.table(table)} AS t (${sql.raw(cols.join(', '))})
    SELECT * FROM unnest(${sql.join(arrays.map((a) => sql`${a}::bigint[]`))})
    ON CONFLICT (${sql.raw(keys.join(', '))}) DO UPDATE SET ${sql.raw(SET)}`.execute(exec);
}

/** Adds a batch to the cross-dimension daily tiers, their span blocks and the day histograms (in the caller's transaction). */
export async function applyCrossRollups(exec: PgExec, items: readonly RollupContribution[]): Promise<void> {
  const { cross, latency, ttft } = aggregateCrossRollups(items);
  for (let i = 0; i < CROSS_TIERS.length; i++)
    await upsertMetrics(exec, CROSS_TIERS[i]!.table, crossKeyCols(CROSS_TIERS[i]!), cross[i]!);
  const spans = aggregateSpanRollups(items);
  for (let i = 0; i < SPAN_TIERS.length; i++)
    await upsertMetrics(exec, SPAN_TIERS[i]!.table, spanKeyCols(SPAN_TIERS[i]!), spans[i]!);
  const hs = aggregateHistSpans(items);
  for (const [table, m] of [
    [HIST_SPAN_TABLES.latency, hs.latency],
    [HIST_SPAN_TABLES.ttft, hs.ttft],
  ] as const) {
    const l = sorted(m);
    if (l.length === 0) continue;
    await sql`INSERT INTO ${sql.table(table)} AS t (model_id, span, day, bucket, n)
      SELECT * FROM unnest(${l.map((x) => x[0][0]!)}::int[], ${l.map((x) => x[0][1]!)}::int[],
        ${l.map((x) => x[0][2]!)}::bigint[], ${l.map((x) => x[0][3]!)}::int[], ${l.map((x) => x[1])}::bigint[])
      ON CONFLICT (model_id, span, day, bucket) DO UPDATE SET n = t.n + excluded.n`.execute(exec);
  }
  for (const [table, m] of [
    [DAY_HIST_TABLES.latency, latency],
    [DAY_HIST_TABLES.ttft, ttft],
  ] as const) {
    const l = sorted(m);
    if (l.length === 0) continue;
    await sql`INSERT INTO ${sql.table(table)} AS t (day, model_id, bucket, n)
      SELECT * FROM unnest(${l.map((x) => x[0][0]!)}::bigint[], ${l.map((x) => x[0][1]!)}::int[],
        ${l.map((x) => x[0][2]!)}::int[], ${l.map((x) => x[1])}::bigint[])
      ON CONFLICT (day, model_id, bucket) DO UPDATE SET n = t.n + excluded.n`.execute(exec);
  }
}

/** Recomputes the cross tiers and day histograms of [fromMs, toMs), widened to whole UTC days, from raw events. */
export async function rebuildPgCrossRollups(exec: PgExec, fromMs: number, toMs: number): Promise<void> {
  const { d0, d1, t0, t1 } = rollupRebuildRange(fromMs, toMs);
  for (const t of CROSS_TIERS) {
    await sql`DELETE FROM ${sql.table(t.table)} WHERE day >= ${d0} AND day < ${d1}`.execute(exec);
    await sql.raw(crossFillSql(t, t0, t1)).execute(exec);
  }
  for (const metric of ['latency', 'ttft'] as const) {
    await sql`DELETE FROM ${sql.table(DAY_HIST_TABLES[metric])} WHERE day >= ${d0} AND day < ${d1}`.execute(
      exec,
    );
    await sql.raw(dayHistFillSql(metric, t0, t1)).execute(exec);
  }
  // The span blocks touching those days, from the daily tiers (rebuilt above or by the caller).
  const { b0, b1 } = spanRebuildDays(d0, d1);
  for (const t of SPAN_TIERS) {
    await sql`DELETE FROM ${sql.table(t.table)} WHERE day >= ${b0} AND day < ${b1}`.execute(exec);
    for (const span of SPANS) await sql.raw(spanFillSql(t, span, b0, b1)).execute(exec);
  }
  for (const q of histSpanRebuildSql(b0, b1)) await sql.raw(q).execute(exec);
}
