import { sql, type RawBuilder } from 'kysely';
import type { AggSpec } from './aggregate';

/**
 * Time views on SQLite fold quarter hours into their output buckets in SQL (as pg-time-buckets.ts does on
 * Postgres), so a year split by model comes back as days × models, not ~35k quarters × models rows into JS.
 * SQLite has no arrays: the bucket's first quarter is chosen by a balanced CASE tree over the runs of quarters
 * that share a bucket (≤ ~10 comparisons a row). Views with very many runs (hourly series, heatmaps over long
 * ranges) already come back one row per hour from rollup_hour and are left to the collector.
 */
const MAX_RUNS = 4096;

/** Runs of consecutive quarters with the same bucket: [first quarter, representative quarter]. */
function runsOf(spec: AggSpec): [number, number][] | null {
  if (spec.dim !== 'time' || !spec.buckets) return null;
  const { q0, map } = spec.buckets;
  const first = new Map<number, number>();
  const runs: [number, number][] = [];
  for (let i = 0; i < map.length; i++) {
    const g = map[i]!;
    if (!first.has(g)) first.set(g, q0 + i);
    if (i === 0 || map[i - 1] !== g) {
      runs.push([q0 + i, first.get(g)!]);
      if (runs.length > MAX_RUNS) return null;
    }
  }
  // One quarter per run already: nothing to fold.
  return runs.length > 0 && runs.length < map.length ? runs : null;
}

/** CASE tree over runs[lo, hi): the representative quarter of `s.a` (integers generated here, never input). */
function tree(runs: [number, number][], lo: number, hi: number): string {
  if (hi - lo === 1) return String(runs[lo]![1]);
  const mid = (lo + hi) >> 1;
  return `CASE WHEN s.a < ${runs[mid]![0]} THEN ${tree(runs, lo, mid)} ELSE ${tree(runs, mid, hi)} END`;
}

const METRIC_FOLD = sql.raw(
  [...Array.from({ length: 10 }, (_, i) => `sum(m${i}) AS m${i}`), 'max(m10) AS m10'].join(', '),
);

/** The metrics and histogram queries of a step, folded to output buckets for time views (else unchanged). */
export function sqliteTimeFold(spec: AggSpec): {
  metrics: (q: RawBuilder<Record<string, number>>) => RawBuilder<Record<string, number>>;
  histogram: (q: RawBuilder<Record<string, number>>) => RawBuilder<Record<string, number>>;
} {
  const runs = runsOf(spec);
  if (!runs) return { metrics: (q) => q, histogram: (q) => q };
  const rep = sql.raw(tree(runs, 0, runs.length));
  return {
    metrics: (q) =>
      sql<Record<string, number>>`SELECT ${rep} AS a, s.b, ${METRIC_FOLD} FROM (${q}) s GROUP BY 1, 2`,
    histogram: (q) =>
      sql<
        Record<string, number>
      >`SELECT ${rep} AS a, s.b, s.bucket, sum(s.n) AS n FROM (${q}) s GROUP BY 1, 2, 3`,
  };
}
