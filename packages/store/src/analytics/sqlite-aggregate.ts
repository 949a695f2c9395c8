import type Database from 'better-sqlite3';
import { SqliteQueryCompiler, createQueryId, type RawBuilder } from 'kysely';
import type { AggSpec } from './aggregate';
import { AggregateCollector, aggregateQueries, type AggGroups } from './aggregate-query';

/** Rows of a dialect-neutral kysely `sql` query, run synchronously on a better-sqlite3 connection. */
export function sqliteRows<T>(db: Database.Database, query: RawBuilder<T>): T[] {
  const c = new SqliteQueryCompiler().compileQuery(query.toOperationNode(), createQueryId());
  return db.prepare(c.sql).all(...c.parameters) as T[];
}

/** An aggregate over rollups and raw events in SQLite (see aggregateQueries). */
export function aggregateSql(db: Database.Database, spec: AggSpec): AggGroups {
  const { steps, source } = aggregateQueries(spec);
  const out = new AggregateCollector(spec);
  for (const s of steps) {
    out.addMetrics(sqliteRows(db, s.metrics));
    if (s.histogram) out.addHistogram(sqliteRows(db, s.histogram));
  }
  return out.result(source);
}
