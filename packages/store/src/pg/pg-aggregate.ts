import type { RawBuilder } from 'kysely';
import type { AggSpec } from '../analytics/aggregate';
import {
  AggregateCollector,
  aggregateQueries,
  type AggGroups,
  type ValueRow,
} from '../analytics/aggregate-query';
import { rows, type PgExec } from './pg-connection';
import { foldHistogram, foldMetrics, pgTimeFold } from './pg-time-buckets';
import { planNeedsMarks } from '../rollups/rollup-choice';
import { readPgFoldMarks } from './pg-fold';

/** Rows as their values in SELECT order (pg keeps the column order in each row object). */
const valueRows = async (db: PgExec, query: RawBuilder<Record<string, number>>): Promise<ValueRow[]> =>
  (await rows(db, query)).map((r) => Object.values(r));

/** An aggregate over rollups and raw events in Postgres (see aggregateQueries). */
export async function aggregatePg(db: PgExec, spec: AggSpec): Promise<AggGroups> {
  // Few bucket runs: folded inside each step's GROUP BY; else each step is folded by a wrapping query.
  const inline = pgTimeFold(spec);
  // A deferred tier answers below its watermark only; upto only grows, so reading it first keeps the answer exact.
  const marks = planNeedsMarks(spec) ? await readPgFoldMarks(db) : undefined;
  const { steps, source } = aggregateQueries(spec, inline, marks);
  const out = new AggregateCollector(spec);
  for (const s of steps) {
    out.addMetrics(await valueRows(db, inline ? s.metrics : foldMetrics(spec, s.metrics)));
    if (s.histogram)
      out.addHistogram(await valueRows(db, inline ? s.histogram : foldHistogram(spec, s.histogram)));
  }
  return out.result(source);
}
