import { sql, type RawBuilder } from 'kysely';
import type { AggSpec } from '../analytics/aggregate';

/**
 * Time views on Postgres fold quarter hours into their output buckets in SQL. The shared aggregate groups a
 * time view by quarter hour (hourly rollups: one row per hour × model); over 365 days a daily series split
 * by model is ~350k such rows, and shipping them to Node to fold there took seconds at 3M events. Here each
 * quarter is replaced, in the database, by the first quarter of its bucket, so a year comes back as
 * days × models (or the 168 cells of a heatmap); the collector maps that quarter to the same bucket.
 */
function representatives(spec: AggSpec): { starts: number[]; reps: number[] } | null {
  if (spec.dim !== 'time' || !spec.buckets) return null;
  const { q0, map } = spec.buckets;
  const first = new Map<number, number>();
  // Runs of consecutive quarters with one bucket: a year of local days is ~366 runs, not ~35k quarters. Sent as
  // two arrays and looked up with width_bucket (a binary search): a 35k-element parameter cost ~100 ms a query
  // to serialise and parse (measured: 1M events, daily series split by model in a +8 zone).
  const starts: number[] = [];
  const reps: number[] = [];
  for (let i = 0; i < map.length; i++) {
    const g = map[i]!;
    if (!first.has(g)) first.set(g, q0 + i);
    if (i === 0 || map[i - 1] !== g) {
      starts.push(q0 + i);
      reps.push(first.get(g)!);
    }
  }
  return { starts, reps };
}

const METRIC_FOLD = sql.raw(
  [...Array.from({ length: 10 }, (_, i) => `sum(m${i}) AS m${i}`), 'max(m10) AS m10'].join(', '),
);

/** The metrics query of a step, folded to output buckets for time views (else unchanged). */
export function foldMetrics(
  spec: AggSpec,
  q: RawBuilder<Record<string, number>>,
): RawBuilder<Record<string, number>> {
  const r = representatives(spec);
  if (!r) return q;
  return sql<
    Record<string, number>
  >`SELECT (${r.reps}::int[])[width_bucket(s.a::int, ${r.starts}::int[])] AS a, s.b, ${METRIC_FOLD}
    FROM (${q}) s GROUP BY 1, 2`;
}

/** The histogram query of a step, folded the same way. */
export function foldHistogram(
  spec: AggSpec,
  q: RawBuilder<Record<string, number>>,
): RawBuilder<Record<string, number>> {
  const r = representatives(spec);
  if (!r) return q;
  return sql<
    Record<string, number>
  >`SELECT (${r.reps}::int[])[width_bucket(s.a::int, ${r.starts}::int[])] AS a, s.b, s.bucket, sum(s.n) AS n
    FROM (${q}) s GROUP BY 1, 2, 3`;
}

/** Above this many runs the fold stays outside (foldMetrics): its arrays would make the SQL text too long. */
const MAX_INLINE_RUNS = 4096;

/**
 * The fold as the step's own GROUP BY expression (one aggregation pass straight into the output buckets, as SQLite
 * does), for views with few runs (daily series: ~366 a year). The run arrays are literals generated here, never
 * input. Measured at 1M events, a year of local days split by model: the two-level form hashed ~87k hour groups
 * first, then folded them.
 */
export function pgTimeFold(spec: AggSpec): ((quarterExpr: string) => string) | undefined {
  const r = representatives(spec);
  if (!r || r.starts.length > MAX_INLINE_RUNS) return undefined;
  const reps = `ARRAY[${r.reps.join(',')}]::int[]`;
  const starts = `ARRAY[${r.starts.join(',')}]::int[]`;
  return (q) => `(${reps})[width_bucket((${q})::int, ${starts})]`;
}
