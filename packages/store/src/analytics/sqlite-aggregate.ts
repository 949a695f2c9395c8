import type Database from 'better-sqlite3';
import { SqliteQueryCompiler, createQueryId, type RawBuilder } from 'kysely';
import type { AggSpec } from './aggregate';
import { AggregateCollector, aggregateQueries, type AggGroups, type ValueRow } from './aggregate-query';
import { sqliteTimeFold } from './sqlite-time-fold';
import { planNeedsMarks } from '../rollups/rollup-choice';
import { readFoldMarks } from '../rollups/fold-sqlite';

/** A dialect-neutral kysely `sql` query run synchronously on a better-sqlite3 connection, rows as value arrays. */
export function sqliteValueRows(db: Database.Database, query: RawBuilder<unknown>): ValueRow[] {
  const c = new SqliteQueryCompiler().compileQuery(query.toOperationNode(), createQueryId());
  return db
    .prepare(c.sql)
    .raw()
    .all(...c.parameters) as ValueRow[];
}

/**
 * An aggregate over rollups and raw events in SQLite (see aggregateQueries). `edges`: answers a raw-events piece
 * from the column cache when it holds it (null: SQL), for groupings by an id — a year's rollup plan has up to a day
 * of raw events at each end, ~25 ms of SQL each at 10M events and well under 1 ms in the cache.
 */
export function aggregateSql(
  db: Database.Database,
  spec: AggSpec,
  edges?: (from: number, to: number) => AggGroups | null,
): AggGroups {
  // A deferred tier answers below its watermark only; upto only grows, so reading it first keeps the answer exact.
  const marks = planNeedsMarks(spec) ? readFoldMarks(db) : undefined;
  const { steps, source } = aggregateQueries(spec, sqliteTimeFold(spec), marks);
  const out = new AggregateCollector(spec);
  for (const s of steps) {
    const cached = edges && spec.dim !== 'time' && s.range?.kind === 'events' ? edges(s.range.from, s.range.to) : null;
    if (cached) {
      out.addGroups(cached.groups);
      continue;
    }
    if (s.combined) {
      out.addCombined(sqliteValueRows(db, s.combined));
      continue;
    }
    out.addMetrics(sqliteValueRows(db, s.metrics));
    if (s.histogram) out.addHistogram(sqliteValueRows(db, s.histogram));
  }
  return out.result(source);
}
