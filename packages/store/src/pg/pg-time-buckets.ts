import { sql, type RawBuilder } from 'kysely';
import type { AggSpec } from '../analytics/aggregate';

/**
 * Time views on Postgres fold quarter hours into their output buckets in SQL. The shared aggregate groups a
 * time view by quarter hour (hourly rollups: one row per hour × model); over 365 days a daily series split
 * by model is ~350k such rows, and shipping them to Node to fold there took seconds at 3M events. Here each
 * quarter is replaced, in the database, by the first quarter of its bucket, so a year comes back as
 * days × models (or the 168 cells of a heatmap); the collector maps that quarter to the same bucket.
 */
function representatives(spec: AggSpec): { q0: number; rep: (number | null)[] } | null {
  if (spec.dim !== 'time' || !spec.buckets) return null;
  const { q0, map } = spec.buckets;
  const first = new Map<number, number>();
  const rep: (number | null)[] = new Array<number | null>(map.length);
  for (let i = 0; i < map.length; i++) {
    const g = map[i]!;
    if (!first.has(g)) first.set(g, q0 + i);
    rep[i] = first.get(g)!;
  }
  return { q0, rep };
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
  >`SELECT (${r.rep}::int[])[(s.a - ${r.q0})::int + 1] AS a, s.b, ${METRIC_FOLD}
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
  >`SELECT (${r.rep}::int[])[(s.a - ${r.q0})::int + 1] AS a, s.b, s.bucket, sum(s.n) AS n
    FROM (${q}) s GROUP BY 1, 2, 3`;
}
