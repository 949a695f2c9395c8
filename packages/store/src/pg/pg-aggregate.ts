import { sql, type RawBuilder } from 'kysely';
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

/** Queries of the same columns as one (each parenthesized: they end with GROUP BY). */
const unionAll = (qs: RawBuilder<Record<string, number>>[]): RawBuilder<Record<string, number>> =>
  qs.length === 1 ? qs[0]! : sql<Record<string, number>>`${sql.join(qs.map((q) => sql`(${q})`), sql` UNION ALL `)}`;

/** An aggregate over rollups and raw events in Postgres (see aggregateQueries). */
export async function aggregatePg(db: PgExec, whole: AggSpec): Promise<AggGroups> {
  // Postgres plans may read its own tiers (migration 0031, rollups/pg-dims-tables.ts).
  const spec: AggSpec = { ...whole, pgTiers: true };
  // Few bucket runs: folded inside each step's GROUP BY; else each step is folded by a wrapping query.
  const inline = pgTimeFold(spec);
  // A deferred tier answers below its watermark only; upto only grows, so reading it first keeps the answer exact.
  const marks = planNeedsMarks(spec) ? await readPgFoldMarks(db) : undefined;
  const { steps, source } = aggregateQueries(spec, inline, marks);
  const out = new AggregateCollector(spec);
  // All pieces in one statement (UNION ALL): a year's plan has up to ~8 (edges, days, 8- and 64-day blocks), and
  // each round trip costs more than a small piece's read on a busy server.
  // Raw-event pieces of a percentile view: metrics and histogram in one scan (AggregateStep.combined).
  const combined = steps.flatMap((s) => (s.combined ? [s.combined] : []));
  if (combined.length) out.addCombined(await valueRows(db, unionAll(combined)));
  const rest = steps.filter((s) => !s.combined);
  const metrics = rest.map((s) => (inline ? s.metrics : foldMetrics(spec, s.metrics)));
  if (metrics.length) out.addMetrics(await valueRows(db, unionAll(metrics)));
  const hists = rest.flatMap((s) => (s.histogram ? [inline ? s.histogram : foldHistogram(spec, s.histogram)] : []));
  if (hists.length) out.addHistogram(await valueRows(db, unionAll(hists)));
  return out.result(source);
}
