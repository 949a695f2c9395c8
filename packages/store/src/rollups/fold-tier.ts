import { DAY_MS, HOUR_MS, type RollupContribution } from './rollup-batch';

/**
 * Deferred rollup tiers (issue #21): tiers whose keys lead with an id (key, account, model, …) dirty a page per
 * id on every batch, so they leave the ingest path. Such a tier belongs to a fold group, a row of `rollup_fold`
 * (name, upto) where `upto` is a watermark in ms:
 *
 *   invariant — every tier of the group holds exactly the aggregate of the raw events with ts < upto.
 *
 * - ingest: events with ts < upto ("late": imports, clock skew) go into the tier at once, in the batch's
 *   transaction; events with ts >= upto skip it;
 * - fold (a background job, one transaction per chunk): adds the raw events [upto, newUpto) to every tier of the
 *   group with one INSERT … SELECT … ON CONFLICT DO UPDATE per tier, then sets upto = newUpto;
 * - reads: a tier answers only below its cut (foldCut); the rest of the range comes from raw events.
 * - re-pricing rebuilds a tier only below upto; retention never deletes raw events at or above upto.
 * upto only grows, so a reader may use a value it read a moment ago: the tier rows below it do not change with
 * a fold (a fold writes only hours at or above the old upto).
 * How to add a tier: docs/guides/deferred-rollup-tiers.md and fold-registry.ts.
 */
export interface FoldTier {
  /** The rollup table. */
  name: string;
  /** Its fold group (a row of rollup_fold; see FOLD_GROUPS). */
  group: string;
  /** The length of one time unit of the table (HOUR_MS or DAY_MS) and its time column. */
  unit: number;
  timeCol: string;
  /** Primary key columns, in key order (ON CONFLICT target). */
  keyCols: readonly string[];
  /** For each key column, its SQL expression over `events` (the same text in both dialects). */
  keyExprs: readonly string[];
  /** Value columns, in the order of `valueSql` and of a late row's values. */
  valueCols: readonly string[];
  /** The aggregates over `events` giving valueCols, comma-separated (the same text in both dialects). */
  valueSql: string;
  /** Value columns merged by max on conflict (the others are added). */
  maxCols?: readonly string[];
  /** Extra condition on raw events (e.g. `ttft > 0` for a TTFT histogram). */
  eventWhere?: string;
  /**
   * The dictionary of keyCols[0] when the key leads with an id: a rebuild's DELETE then walks one range per id
   * (`<col> IN (SELECT id FROM <dict>)`) instead of the whole table.
   */
  dict?: string;
  /** A batch's late events as rows `[...keyCols, ...valueCols]`, distinct keys. */
  rows(items: readonly RollupContribution[]): number[][];
  /**
   * Tiers with `cost` / `unpriced` columns: the key of the row an event is summed into. SQLite's chunked re-pricing
   * adds cost deltas there for events below upto (the fold reads the new cost of the others).
   */
  costKey?(e: FoldEventKey): number[];
}

/** What re-pricing knows of an event, to find its rows in a tier. */
export interface FoldEventKey {
  ts: number;
  key_id: number;
  account_id: number;
  model_id: number;
  provider_id: number;
  upstream_id: number;
  sclass: number;
}

/** One fold chunk's outcome (either dialect). */
export interface FoldStep {
  group: string;
  /** The group's watermark after the step. */
  upto: number;
  /** Whether the group is still behind its target. */
  more: boolean;
}

/** A fold group: its tiers share one watermark, advanced in whole `unit`s. */
export interface FoldGroup {
  name: string;
  unit: number;
  /**
   * Statements run in the fold transaction after the group's tiers took [fromUpto, toUpto), before the watermark
   * moves (both dialects): tables derived from the tiers, e.g. day-dims' span blocks of the days that closed.
   */
  derive?: (fromUpto: number, toUpto: number) => string[];
  /**
   * SQLite with `foldBelowCacheFloor`: not folded while the column cache holds the whole log (fold-sqlite.ts): the
   * cache answers every range faster, so a store that small keeps these tiers empty.
   */
  heldByCache?: boolean;
  /**
   * SQLite: not folded while the store has fewer than two CPAs (the CPA tiers, upstream-tiers.ts: no view reads
   * them then). Retention folds it up to its cutoff like a heldByCache group.
   */
  heldWithOneCpa?: boolean;
}

/** The hour × key / account / model zone tiers (migration 0025). */
export const HOUR_DIMS_GROUP = 'hour_dims';

/** Watermarks by group name, as read from rollup_fold. A group without a row is treated as never folded. */
export type FoldMarks = ReadonlyMap<string, number>;

/** How far behind the clock the fold stays: records of the last minutes of an hour may still be on their way. */
export const FOLD_LAG_MS = 10 * 60_000;

/** At most this much of raw events is folded per transaction (catch-up after downtime or a bulk load). */
export const FOLD_CHUNK_MS = DAY_MS;

/** The watermark the fold aims at now: the start of the group's unit (lagged by FOLD_LAG_MS). */
export const foldTarget = (group: FoldGroup, nowMs: number): number =>
  Math.floor((nowMs - FOLD_LAG_MS) / group.unit) * group.unit;

/** The watermark of `group` (−∞ when it has no row: nothing is folded, every read of its tiers is raw). */
export const uptoOf = (marks: FoldMarks | undefined, group: string): number => marks?.get(group) ?? -Infinity;

/**
 * The one place a read learns how far a deferred tier answers: of the tier's aligned range [a, b), the units
 * below the returned cut come from the tier, [cut, b) from raw events. The cut is upto floored to the tier's
 * unit (a day tier in an hourly group answers only whole days below upto), clamped to [a, b].
 */
export function foldCut(
  tier: { unit: number; fold?: string; fold2?: string },
  marks: FoldMarks | undefined,
  a: number,
  b: number,
): number {
  if (!tier.fold) return b;
  // A read table made of two groups' tiers (metrics of one, histograms of the other) answers below both.
  const upto = Math.min(uptoOf(marks, tier.fold), tier.fold2 ? uptoOf(marks, tier.fold2) : Infinity);
  const c = upto === -Infinity ? a : Math.floor(upto / tier.unit) * tier.unit;
  return Math.min(Math.max(c, a), b);
}

/** Raw events at or above this instant must stay until folded: retention clamps its cutoff here (∞: no group). */
export const foldFloor = (marks: FoldMarks): number => Math.min(Infinity, ...marks.values());

/** The events of a batch a group's tiers take at once (ts < upto). */
export const lateItems = (
  items: readonly RollupContribution[],
  upto: number,
): readonly RollupContribution[] =>
  upto === -Infinity ? [] : items.every((c) => c.ts < upto) ? items : items.filter((c) => c.ts < upto);

/** Each group's late events of a batch (one pass per group, not per tier). */
export const lateByGroup = (
  items: readonly RollupContribution[],
  marks: FoldMarks,
  groups: readonly FoldGroup[],
): Map<string, readonly RollupContribution[]> =>
  new Map(groups.map((g) => [g.name, lateItems(items, uptoOf(marks, g.name))]));

/** Dialect-specific pieces of the shared SQL text. */
export interface FoldDialect {
  max: 'max' | 'greatest';
  /**
   * Insert a chunk's rows in key order (Postgres: a heap table keeps insertion order, so one key's rows of a chunk
   * share a few pages and a key-filtered read over a year touches few pages; SQLite's WITHOUT ROWID tables are
   * key-ordered anyway).
   */
  ordered?: boolean;
}

/** `ON CONFLICT (keys) DO UPDATE SET …` adding a tier's values (`t` is the target's alias). */
export function foldConflict(tier: FoldTier, d: FoldDialect): string {
  const set = tier.valueCols
    .map((c) =>
      tier.maxCols?.includes(c) ? `${c} = ${d.max}(t.${c}, excluded.${c})` : `${c} = t.${c} + excluded.${c}`,
    )
    .join(', ');
  return `ON CONFLICT (${tier.keyCols.join(', ')}) DO UPDATE SET ${set}`;
}

/** INSERT … SELECT adding the raw events [ph0, ph1) to a tier (placeholders: '?' for SQLite, literals for pg). */
export function foldInsertSql(tier: FoldTier, d: FoldDialect, ph: [string, string]): string {
  const where = tier.eventWhere ? ` AND ${tier.eventWhere}` : '';
  const keys = tier.keyCols.map((_, i) => i + 1).join(', ');
  return `INSERT INTO ${tier.name} AS t (${[...tier.keyCols, ...tier.valueCols].join(', ')})
    SELECT ${tier.keyExprs.join(', ')}, ${tier.valueSql} FROM events WHERE ts >= ${ph[0]} AND ts < ${ph[1]}${where}
    GROUP BY ${keys}${d.ordered ? ` ORDER BY ${keys}` : ''} ${foldConflict(tier, d)}`;
}

/** DELETE of a tier's units [ph0, ph1) (a rebuild below upto). */
export function foldDeleteSql(tier: FoldTier, ph: [string, string]): string {
  const ids = tier.dict ? `${tier.keyCols[0]} IN (SELECT id FROM ${tier.dict}) AND ` : '';
  return `DELETE FROM ${tier.name} WHERE ${ids}${tier.timeCol} >= ${ph[0]} AND ${tier.timeCol} < ${ph[1]}`;
}

/**
 * The part of a rebuild of raw events [t0, t1) (whole UTC days) a deferred tier takes: its units from t0's up to
 * the unit holding upto (a partial unit is rebuilt whole from its events below upto), and the raw events
 * [t0, min(t1, upto)). Null when the range lies at or above upto.
 */
export function foldRebuildRange(
  tier: FoldTier,
  upto: number,
  t0: number,
  t1: number,
): { u0: number; u1: number; e0: number; e1: number } | null {
  const e1 = Math.min(t1, upto);
  if (e1 <= t0) return null;
  return { u0: Math.floor(t0 / tier.unit), u1: Math.ceil(e1 / tier.unit), e0: t0, e1 };
}

export { DAY_MS, HOUR_MS };
