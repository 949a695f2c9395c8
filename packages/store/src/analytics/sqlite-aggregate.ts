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

/** An aggregate over rollups and raw events in SQLite (see aggregateQueries). */
export function aggregateSql(db: Database.Database, spec: AggSpec): AggGroups {
  // A deferred tier answers below its watermark only; upto only grows, so reading it first keeps the answer exact.
  const marks = planNeedsMarks(spec) ? readFoldMarks(db) : undefined;
  const { steps, source } = aggregateQueries(spec, sqliteTimeFold(spec), marks);
  const out = new AggregateCollector(spec);
  for (const s of steps) {
    out.addMetrics(sqliteValueRows(db, s.metrics));
    if (s.histogram) out.addHistogram(sqliteValueRows(db, s.histogram));
  }
  return out.result(source);
}
