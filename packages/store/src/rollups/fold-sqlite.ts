import type Database from 'better-sqlite3';
import { FOLD_GROUPS, FOLD_TIERS, foldTiersOf } from './fold-registry';
import {
  FOLD_CHUNK_MS,
  foldConflict,
  foldDeleteSql,
  foldInsertSql,
  foldRebuildRange,
  foldTarget,
  lateByGroup,
  uptoOf,
  type FoldGroup,
  type FoldMarks,
  type FoldStep,
} from './fold-tier';
import type { RollupContribution } from './rollup-batch';
import { MultiRowUpsert, sortByKey } from './multi-row-upsert';

const SQLITE = { max: 'max' } as const;

/** The watermarks of every fold group (one tiny table: read whole). */
export function readFoldMarks(db: Database.Database): FoldMarks {
  const rows = db.prepare('SELECT name, upto FROM rollup_fold').raw().all() as [string, number][];
  return new Map(rows);
}

/**
 * SQLite side of the deferred tiers (fold-tier.ts), on the writer connection. Everything runs synchronously on
 * the single writer, so a batch and a fold never interleave: the watermark read inside a batch's transaction is
 * the one the fold will start from.
 */
export class SqliteFold {
  private readonly late: Map<string, MultiRowUpsert>;
  private readonly marksStmt: Database.Statement;
  private readonly firstStmt: Database.Statement;
  private readonly setStmt: Database.Statement;
  private readonly foldStmts: Map<string, Database.Statement>;
  private readonly cpasStmt: Database.Statement;

  /**
   * `cacheFloor`: the column cache's floor (−∞ while it holds every event); given, groups marked heldByCache wait
   * while it is −∞ (targetOf). Retention passes its cutoff to foldAll, which folds at least that far.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly cacheFloor?: () => number,
  ) {
    this.late = new Map(
      FOLD_TIERS.map((t) => [
        t.name,
        new MultiRowUpsert(
          db,
          `INSERT INTO ${t.name} AS t (${[...t.keyCols, ...t.valueCols].join(', ')})`,
          t.keyCols.length + t.valueCols.length,
          foldConflict(t, SQLITE),
        ),
      ]),
    );
    this.marksStmt = db.prepare('SELECT name, upto FROM rollup_fold').raw();
    this.firstStmt = db.prepare('SELECT min(ts) FROM events WHERE ts >= ? AND ts < ?').pluck();
    this.setStmt = db.prepare('UPDATE rollup_fold SET upto = ? WHERE name = ?');
    this.cpasStmt = db.prepare('SELECT count(*) FROM upstream').pluck();
    this.foldStmts = new Map(
      FOLD_TIERS.map((t) => [t.name, db.prepare(foldInsertSql(t, SQLITE, ['?', '?']))]),
    );
  }

  marks(): FoldMarks {
    return new Map(this.marksStmt.all() as [string, number][]);
  }

  /** Inside a batch's transaction: the events below each group's watermark go into its tiers now. */
  applyLate(items: readonly RollupContribution[]): void {
    if (items.length === 0) return;
    const late = lateByGroup(items, this.marks(), FOLD_GROUPS);
    for (const t of FOLD_TIERS) {
      const l = late.get(t.group)!;
      if (l.length) this.late.get(t.name)!.run(sortByKey(t.rows(l), t.keyCols.length));
    }
  }

  /**
   * Folds one chunk (≤ FOLD_CHUNK_MS of raw events) of the first group behind its target, in one transaction;
   * null when every group is caught up. Empty stretches are skipped: the watermark jumps to the next event's unit.
   */
  step(nowMs: number, atLeastMs = -Infinity): FoldStep | null {
    return this.db.transaction((): FoldStep | null => {
      const marks = this.marks();
      for (const g of FOLD_GROUPS) {
        const upto = marks.get(g.name);
        const target = this.targetOf(g, nowMs, atLeastMs);
        if (upto === undefined || upto >= target) continue;
        const first = this.firstStmt.get(upto, target) as number | null;
        const hi =
          first === null ? target : Math.min(target, Math.floor(first / g.unit) * g.unit + FOLD_CHUNK_MS);
        if (first !== null) for (const t of foldTiersOf(g.name)) this.foldStmts.get(t.name)!.run(upto, hi);
        for (const q of g.derive?.(upto, hi) ?? []) this.db.exec(q);
        this.setStmt.run(hi, g.name);
        return { group: g.name, upto: hi, more: hi < target };
      }
      return null;
    })();
  }

  /** Folds until every group is caught up (synchronously; the background job yields between steps instead). */
  foldAll(nowMs: number, atLeastMs = -Infinity): number {
    let steps = 0;
    while (this.step(nowMs, atLeastMs)) steps++;
    return steps;
  }

  /**
   * The group's target. A held group waits while the column cache holds the whole log (floor −∞: the cache answers
   * every range faster, and the tiers would only cost disk), except as far as retention needs it; once the log
   * outgrows the cache's window (the floor is set at open), it folds like any group and answers the older ranges.
   * The same while a heldWithOneCpa group's store has one CPA.
   */
  private targetOf(g: FoldGroup, nowMs: number, atLeastMs: number): number {
    const target = foldTarget(g, nowMs);
    const byCache =
      g.heldByCache === true && this.cacheFloor !== undefined && this.cacheFloor() === -Infinity;
    const oneCpa = g.heldWithOneCpa === true && (this.cpasStmt.get() as number) < 2;
    if (!byCache && !oneCpa) return target;
    // Whole units of its widest tier: a day tier answers only whole days below upto.
    const unit = Math.max(g.unit, ...foldTiersOf(g.name).map((t) => t.unit));
    return Math.min(target, Math.ceil(atLeastMs / unit) * unit);
  }

  /**
   * Inside a re-pricing transaction: rebuilds the deferred tiers over raw events [t0, t1) (whole UTC days) below
   * their watermark; what lies above is not in the tiers yet, and the fold will read the new costs.
   */
  rebuild(t0: number, t1: number): void {
    rebuildFoldTiers(this.db, t0, t1);
  }
}

/** See SqliteFold.rebuild (free: rebuildRollups has no fold object). */
export function rebuildFoldTiers(db: Database.Database, t0: number, t1: number): void {
  const marks = readFoldMarks(db);
  for (const t of FOLD_TIERS) {
    const r = foldRebuildRange(t, uptoOf(marks, t.group), t0, t1);
    if (!r) continue;
    db.prepare(foldDeleteSql(t, ['?', '?'])).run(r.u0, r.u1);
    db.prepare(foldInsertSql(t, SQLITE, ['?', '?'])).run(r.e0, r.e1);
  }
}
