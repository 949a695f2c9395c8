import type Database from 'better-sqlite3';
import { rollupRebuildRange, type RollupContribution } from './rollup-batch';
import { DAY_DIMS_GROUP, spanLateRows, spanRederiveSql } from './day-dims-fold';
import { MultiRowUpsert, sortByKey } from './multi-row-upsert';

/**
 * SQLite side of the day-dims span blocks (day-dims-fold.ts): a batch's late events added to the closed blocks
 * they fall in (the day tiers take them through the fold's late path), and re-pricing's re-derivation.
 */
export class SpanLateWriter {
  private readonly ups = new Map<string, MultiRowUpsert>();
  private readonly uptoStmt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.uptoStmt = db.prepare(`SELECT upto FROM rollup_fold WHERE name = '${DAY_DIMS_GROUP}'`).pluck();
  }

  private upsert(table: string, keyCols: readonly string[], valueCols: readonly string[]): MultiRowUpsert {
    let u = this.ups.get(table);
    if (!u) {
      const set = valueCols
        .map((c) =>
          c === 'last_ts' ? 'last_ts = max(last_ts, excluded.last_ts)' : `${c} = ${c} + excluded.${c}`,
        )
        .join(', ');
      u = new MultiRowUpsert(
        this.db,
        `INSERT INTO ${table} (${[...keyCols, ...valueCols].join(', ')})`,
        keyCols.length + valueCols.length,
        `ON CONFLICT(${keyCols.join(', ')}) DO UPDATE SET ${set}`,
      );
      this.ups.set(table, u);
    }
    return u;
  }

  /** Inside the batch's transaction (the watermark read there is the one the next fold starts from). */
  apply(items: readonly RollupContribution[]): void {
    const upto = (this.uptoStmt.get() as number | undefined) ?? -Infinity;
    for (const t of spanLateRows(items, upto))
      this.upsert(t.table, t.keyCols, t.valueCols).run(sortByKey(t.rows, t.keyCols.length));
  }
}

/**
 * Re-pricing (after the day tiers over [fromMs, toMs) were rebuilt): the closed span blocks touching those days,
 * re-derived from the day tiers.
 */
export function rederiveSpanRollups(db: Database.Database, fromMs: number, toMs: number, upto: number): void {
  const { d0, d1 } = rollupRebuildRange(fromMs, toMs);
  for (const q of spanRederiveSql(d0, d1, upto)) db.exec(q);
}

/** The day_dims watermark (−∞ before migration 0026 created its row: no block is closed then). */
export function dayDimsUpto(db: Database.Database): number {
  const v = db.prepare(`SELECT upto FROM rollup_fold WHERE name = '${DAY_DIMS_GROUP}'`).pluck().get() as
    number | undefined;
  return v ?? -Infinity;
}
