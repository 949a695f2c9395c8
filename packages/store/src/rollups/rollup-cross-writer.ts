import type Database from 'better-sqlite3';
import { HIST_SPAN_TABLES, aggregateHistSpans, histSpanRebuildSql } from './rollup-span-hist';
import { METRIC_COLS, rollupKeyParts, rollupRebuildRange, type RollupContribution } from './rollup-batch';
import {
  CROSS_TIERS,
  DAY_HIST_TABLES,
  aggregateCrossRollups,
  crossFillSql,
  crossKeyCols,
  dayHistFillSql,
} from './rollup-cross';
import {
  SPANS,
  SPAN_TIERS,
  aggregateSpanRollups,
  spanFillSql,
  spanKeyCols,
  spanRebuildDays,
} from './rollup-spans';

const UPDATE_SET = METRIC_COLS.map((c) =>
  c === 'last_ts' ? 'last_ts = max(last_ts, excluded.last_ts)' : `${c} = ${c} + excluded.${c}`,
).join(', ');

/** The SQLite upserts of the cross-dimension daily tiers and day histograms (see rollup-cross.ts). */
export class CrossRollupWriter {
  private readonly crossStmts: Database.Statement[];
  private readonly latStmt: Database.Statement;
  private readonly ttftStmt: Database.Statement;
  private readonly spans: SpanRollupWriter;

  constructor(db: Database.Database) {
    this.crossStmts = CROSS_TIERS.map((t) => {
      const keys = crossKeyCols(t);
      const cols = [...keys, ...METRIC_COLS];
      return db.prepare(
        `INSERT INTO ${t.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(',')})
         ON CONFLICT(${keys.join(', ')}) DO UPDATE SET ${UPDATE_SET}`,
      );
    });
    const hist = (table: string) =>
      db.prepare(
        `INSERT INTO ${table} (day, model_id, bucket, n) VALUES (?,?,?,?)
         ON CONFLICT(day, model_id, bucket) DO UPDATE SET n = n + excluded.n`,
      );
    this.latStmt = hist(DAY_HIST_TABLES.latency);
    this.ttftStmt = hist(DAY_HIST_TABLES.ttft);
    this.spans = new SpanRollupWriter(db);
  }

  apply(items: readonly RollupContribution[]): void {
    const { cross, latency, ttft } = aggregateCrossRollups(items);
    cross.forEach((m, i) => {
      const stmt = this.crossStmts[i]!;
      for (const [k, a] of m) stmt.run(...rollupKeyParts(k), ...a);
    });
    for (const [k, n] of latency) this.latStmt.run(...rollupKeyParts(k), n);
    for (const [k, n] of ttft) this.ttftStmt.run(...rollupKeyParts(k), n);
    this.spans.apply(items);
  }
}

/** Recomputes the cross tiers and day histograms of [fromMs, toMs), widened to whole UTC days, from raw events. */
export function rebuildCrossRollups(db: Database.Database, fromMs: number, toMs: number): void {
  const { d0, d1, t0, t1 } = rollupRebuildRange(fromMs, toMs);
  for (const t of CROSS_TIERS) {
    db.prepare(`DELETE FROM ${t.table} WHERE day >= ? AND day < ?`).run(d0, d1);
    db.exec(crossFillSql(t, t0, t1));
  }
  for (const metric of ['latency', 'ttft'] as const) {
    db.prepare(`DELETE FROM ${DAY_HIST_TABLES[metric]} WHERE day >= ? AND day < ?`).run(d0, d1);
    db.exec(dayHistFillSql(metric, t0, t1));
  }
  rebuildSpanRollups(db, d0, d1);
}

/** The SQLite upserts of the span tables (rollup-spans.ts): each batch added to its 8- and 64-day blocks. */
export class SpanRollupWriter {
  private readonly stmts: Database.Statement[];
  private readonly histStmts: { latency: Database.Statement; ttft: Database.Statement };

  constructor(db: Database.Database) {
    this.stmts = SPAN_TIERS.map((t) => {
      const keys = spanKeyCols(t);
      const cols = [...keys, ...METRIC_COLS];
      return db.prepare(
        `INSERT INTO ${t.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(',')})
         ON CONFLICT(${keys.join(', ')}) DO UPDATE SET ${UPDATE_SET}`,
      );
    });
    const hist = (table: string) =>
      db.prepare(
        `INSERT INTO ${table} (model_id, span, day, bucket, n) VALUES (?,?,?,?,?)
         ON CONFLICT(model_id, span, day, bucket) DO UPDATE SET n = n + excluded.n`,
      );
    this.histStmts = { latency: hist(HIST_SPAN_TABLES.latency), ttft: hist(HIST_SPAN_TABLES.ttft) };
  }

  apply(items: readonly RollupContribution[]): void {
    aggregateSpanRollups(items).forEach((m, i) => {
      const stmt = this.stmts[i]!;
      for (const [k, a] of m) stmt.run(...rollupKeyParts(k), ...a);
    });
    const { latency, ttft } = aggregateHistSpans(items);
    for (const [k, n] of latency) this.histStmts.latency.run(...rollupKeyParts(k), n);
    for (const [k, n] of ttft) this.histStmts.ttft.run(...rollupKeyParts(k), n);
  }
}

/** Recomputes the span blocks touching days [d0, d1) from the daily tiers (after those were rebuilt). */
export function rebuildSpanRollups(db: Database.Database, d0: number, d1: number): void {
  const { b0, b1 } = spanRebuildDays(d0, d1);
  for (const t of SPAN_TIERS) {
    db.prepare(`DELETE FROM ${t.table} WHERE day >= ? AND day < ?`).run(b0, b1);
    for (const span of SPANS) db.exec(spanFillSql(t, span, b0, b1));
  }
  for (const q of histSpanRebuildSql(b0, b1)) db.exec(q);
}
