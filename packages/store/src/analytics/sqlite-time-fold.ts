import type { AggSpec } from './aggregate';
import type { TimeFold } from './aggregate-query';

/**
 * Time views on SQLite fold quarter hours into their output buckets in SQL (as pg-time-buckets.ts does on
 * Postgres), so a year split by model comes back as days × models, not ~35k quarters × models rows into JS.
 * SQLite has no arrays: the bucket's first quarter is chosen by a balanced CASE tree over the runs of quarters
 * that share a bucket (≤ ~12 comparisons a row), placed in the step's own GROUP BY (one grouping pass).
 * Views with very many runs (hourly series, heatmaps over long ranges) are left to the collector.
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

/** CASE tree over runs[lo, hi) on `x` (numbers generated here, never input). */
function tree(x: string, runs: [number, number][], lo: number, hi: number): string {
  if (hi - lo === 1) return String(runs[lo]![1]);
  const mid = (lo + hi) >> 1;
  return `CASE WHEN ${x} < ${runs[mid]![0]} THEN ${tree(x, runs, lo, mid)} ELSE ${tree(x, runs, mid, hi)} END`;
}

/** The fold of a time view's quarter expression, or undefined when there is nothing to fold. */
export function sqliteTimeFold(spec: AggSpec): TimeFold | undefined {
  const runs = runsOf(spec);
  if (!runs) return undefined;
  return (q) => tree(`(${q})`, runs, 0, runs.length);
}
