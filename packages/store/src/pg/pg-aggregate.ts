import type { AggSpec } from '../analytics/aggregate';
import { AggregateCollector, aggregateQueries, type AggGroups } from '../analytics/aggregate-query';
import { rows, type PgExec } from './pg-connection';

/** An aggregate over rollups and raw events in Postgres (see aggregateQueries). */
export async function aggregatePg(db: PgExec, spec: AggSpec): Promise<AggGroups> {
  const { steps, source } = aggregateQueries(spec);
  const out = new AggregateCollector(spec);
  for (const s of steps) {
    out.addMetrics(await rows(db, s.metrics));
    if (s.histogram) out.addHistogram(await rows(db, s.histogram));
  }
  return out.result(source);
}
