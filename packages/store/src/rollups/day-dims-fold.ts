import { STATUS_CLASS_SQL } from '../events/event-flags';
import { bucketSql } from '../events/ttft-buckets';
import { DAY_MS, HOUR_MS, METRIC_COLS, rollupKeyParts, type RollupContribution } from './rollup-batch';
import {
  CROSS_EVENT_SUMS,
  CROSS_TIERS,
  DAY_HIST_TABLES,
  aggregateCrossRollups,
  crossKeyCols,
} from './rollup-cross';
import { type FoldEventKey, type FoldGroup, type FoldMarks, type FoldTier, uptoOf } from './fold-tier';
import { HIST_SPAN_TABLES, aggregateHistSpans, histSpanFillSql } from './rollup-span-hist';
import { SPANS, SPAN_TIERS, aggregateSpanRollups, spanFillSql, spanKeyCols } from './rollup-spans';

/**
 * The day-dims tiers (migration 0026, issue #21) as deferred tiers of their own fold group `day_dims`
 * (fold-tier.ts): the day × key × model and day × account × model tiers and the day latency / TTFT histograms
 * are folded from raw events behind the group's watermark, never upserted per batch (their id-first keys dirtied
 * a page per key / account on every batch: P3 fell to 4–6k ev/s when they were).
 *
 * The 8- and 64-day span blocks (rollup-spans.ts, rollup-span-hist.ts) are derived, not folded from events: a
 * block is filled from its day table in the fold transaction that moves the watermark past the block's last
 * day, so
 *
 *   invariant — a block has rows iff it is closed (its end ≤ the group's watermark, in whole days), and then they
 *   hold the sum of its day rows;
 *
 * late events (ts < watermark) are added to closed blocks at once (open ones take them from the day rows when
 * they close); re-pricing re-derives the closed blocks it touches. Blocks of days before the first raw event
 * (history that outlived retention) are derived by the migration.
 */
export const DAY_DIMS_GROUP = 'day_dims';

/** Hourly steps: each fold transaction stays small on a busy store (the day tiers answer whole days below it). */
export const DAY_DIMS_FOLD_GROUP: FoldGroup = {
  name: DAY_DIMS_GROUP,
  unit: HOUR_MS,
  derive: (fromUpto, toUpto) => spanDeriveSql(fromUpto, toUpto),
  // ~75 B/event of cross tiers and blocks that only ranges older than the cache's floor need.
  heldByCache: true,
};

const DAY_EXPR = `ts / ${DAY_MS}`;

const crossFoldTier = (i: number): FoldTier => {
  const t = CROSS_TIERS[i]!;
  return {
    name: t.table,
    group: DAY_DIMS_GROUP,
    unit: DAY_MS,
    timeCol: 'day',
    keyCols: crossKeyCols(t),
    keyExprs: [t.lead, DAY_EXPR, 'model_id', 'provider_id', STATUS_CLASS_SQL],
    valueCols: METRIC_COLS,
    valueSql: CROSS_EVENT_SUMS,
    maxCols: ['last_ts'],
    dict: t.lead === 'key_id' ? 'api_key' : 'account',
    rows: (items) =>
      [...aggregateCrossRollups(items).cross[i]!].map(([k, a]) => [...rollupKeyParts(k), ...a]),
    costKey: (e) => [
      t.lead === 'key_id' ? e.key_id : e.account_id,
      Math.floor(e.ts / DAY_MS),
      e.model_id,
      e.provider_id,
      e.sclass,
    ],
  };
};

const histFoldTier = (metric: 'latency' | 'ttft'): FoldTier => ({
  name: DAY_HIST_TABLES[metric],
  group: DAY_DIMS_GROUP,
  unit: DAY_MS,
  timeCol: 'day',
  keyCols: ['day', 'model_id', 'bucket'],
  keyExprs: [DAY_EXPR, 'model_id', metric === 'latency' ? 'lat_bucket' : bucketSql('ttft')],
  valueCols: ['n'],
  valueSql: 'count(*)',
  ...(metric === 'ttft' ? { eventWhere: 'ttft > 0' } : {}),
  rows: (items) => [...aggregateCrossRollups(items)[metric]].map(([k, n]) => [...rollupKeyParts(k), n]),
});

/** The folded day-dims tiers (registered in fold-registry.ts). */
export const DAY_DIMS_FOLD_TIERS: readonly FoldTier[] = [
  ...CROSS_TIERS.map((_, i) => crossFoldTier(i)),
  histFoldTier('latency'),
  histFoldTier('ttft'),
];

/** The closed days: day rows of the group hold every event of days < this (−∞: nothing folded yet). */
export const closedDays = (upto: number): number =>
  upto === -Infinity ? -Infinity : Math.floor(upto / DAY_MS);

/** The watermark of the group as closed days, from the marks a read or a batch took. */
export const dayDimsClosedDays = (marks: FoldMarks | undefined): number =>
  closedDays(uptoOf(marks, DAY_DIMS_GROUP));

/** Every span table with its dictionary (DELETE walks one key range per id) and how to fill days [d0, d1). */
const SPAN_TABLES: { table: string; dict: string; fill: (span: number, d0: number, d1: number) => string }[] =
  [
    ...SPAN_TIERS.map((t) => ({
      table: t.table,
      dict: t.dict,
      fill: (s: number, a: number, b: number) => spanFillSql(t, s, a, b),
    })),
    ...(['latency', 'ttft'] as const).map((m) => ({
      table: HIST_SPAN_TABLES[m],
      dict: 'model',
      fill: (s: number, a: number, b: number) => histSpanFillSql(m, s, a, b),
    })),
  ];
const LEAD: Record<string, string> = { model: 'model_id', api_key: 'key_id', account: 'account_id' };

/** Statements (re)deriving every block of `span` starting in days [b0, b1) from the day tables. */
function deriveBlocks(span: number, b0: number, b1: number): string[] {
  if (b1 <= b0) return [];
  return SPAN_TABLES.flatMap((t) => [
    `DELETE FROM ${t.table} WHERE ${LEAD[t.dict]} IN (SELECT id FROM ${t.dict}) AND span = ${span}
       AND day >= ${Math.trunc(b0)} AND day < ${Math.trunc(b1)}`,
    t.fill(span, b0, b1),
  ]);
}

/** The first block start of `span` that is not closed at `days` closed days. */
const openFrom = (span: number, days: number): number => Math.floor(days / span) * span;

/**
 * In the fold transaction that moved the watermark from `fromUpto` to `toUpto` (ms; after the day tiers took
 * the events): the statements deriving the blocks that closed on the way (the same text in both dialects).
 */
export function spanDeriveSql(fromUpto: number, toUpto: number): string[] {
  const d0 = closedDays(fromUpto);
  const d1 = closedDays(toUpto);
  // The group's row always exists (migration 0026 creates it), so both ends are finite.
  if (d0 === -Infinity || d1 <= d0) return [];
  return SPANS.flatMap((span) => deriveBlocks(span, openFrom(span, d0), openFrom(span, d1)));
}

/**
 * Blocks of days before `beforeDays` (the migration: history before the first raw event; the fold derives the
 * rest). Starts at `fromDay` (the first day any day table holds).
 */
export function spanDeriveBeforeSql(fromDay: number, beforeDays: number): string[] {
  return SPANS.flatMap((span) =>
    deriveBlocks(span, Math.floor(fromDay / span) * span, openFrom(span, beforeDays)),
  );
}

/** Re-pricing of days [d0, d1): the closed blocks touching them, re-derived from the (rebuilt) day tables. */
export function spanRederiveSql(d0: number, d1: number, upto: number): string[] {
  const days = closedDays(upto);
  if (days === -Infinity) return [];
  return SPANS.flatMap((span) =>
    deriveBlocks(
      span,
      Math.floor(d0 / span) * span,
      Math.min(Math.ceil(d1 / span) * span, openFrom(span, days)),
    ),
  );
}

/** A late batch's rows for the closed blocks: per span table, `[...key, ...values]` rows (distinct keys). */
export function spanLateRows(
  items: readonly RollupContribution[],
  upto: number,
): { table: string; keyCols: string[]; valueCols: readonly string[]; rows: number[][] }[] {
  const days = closedDays(upto);
  if (days === -Infinity) return [];
  // Only events whose block (of the span in the row key) is closed.
  const closed = (span: number, day: number) => day - (day % span) + span <= days;
  const late = items.filter((c) => closed(Math.min(...SPANS), Math.floor(c.ts / DAY_MS)));
  if (late.length === 0) return [];
  const out: { table: string; keyCols: string[]; valueCols: readonly string[]; rows: number[][] }[] = [];
  const spanIdx = (t: { keyCols: readonly string[] }) => t.keyCols.indexOf('span');
  aggregateSpanRollups(late).forEach((m, i) => {
    const keyCols = spanKeyCols(SPAN_TIERS[i]!);
    const si = spanIdx({ keyCols });
    const di = keyCols.indexOf('day');
    const rows = [...m].map(([k, a]) => [...rollupKeyParts(k), ...a]).filter((r) => closed(r[si]!, r[di]!));
    if (rows.length) out.push({ table: SPAN_TIERS[i]!.table, keyCols, valueCols: METRIC_COLS, rows });
  });
  const hs = aggregateHistSpans(late);
  for (const m of ['latency', 'ttft'] as const) {
    const keyCols = ['model_id', 'span', 'day', 'bucket'];
    const rows = [...hs[m]].map(([k, n]) => [...rollupKeyParts(k), n]).filter((r) => closed(r[1]!, r[2]!));
    if (rows.length) out.push({ table: HIST_SPAN_TABLES[m], keyCols, valueCols: ['n'], rows });
  }
  return out;
}

/** The span rows one re-priced event's cost lands in (closed blocks only), per span tier (SPAN_TIERS order). */
export function spanCostKeys(
  e: FoldEventKey,
  upto: number,
): { tier: number; key: number[] }[] {
  const days = closedDays(upto);
  const day = Math.floor(e.ts / DAY_MS);
  const out: { tier: number; key: number[] }[] = [];
  SPAN_TIERS.forEach((t, i) => {
    for (const span of SPANS) {
      const b = day - (day % span);
      if (b + span > days) continue;
      const v = (c: string): number =>
        c === 'span'
          ? span
          : c === 'day'
            ? b
            : c === 'key_id'
              ? e.key_id
              : c === 'account_id'
                ? e.account_id
                : c === 'model_id'
                  ? e.model_id
                  : c === 'provider_id'
                    ? e.provider_id
                    : e.sclass;
      out.push({ tier: i, key: spanKeyCols(t).map(v) });
    }
  });
  return out;
}

/** Every table of migration 0026 (creation order), for tests that step a database back before it. */
export const DAY_DIMS_TABLES: readonly string[] = [
  ...CROSS_TIERS.map((t) => t.table),
  ...Object.values(DAY_HIST_TABLES),
  ...SPAN_TIERS.map((t) => t.table),
  ...Object.values(HIST_SPAN_TABLES),
];

/**
 * SQL stepping a database back before migration 0026 (tests): its tables, indexes, watermark and record, and the
 * records of later migrations (kysely refuses a gap; they re-run idempotently).
 */
export const UNDO_DAY_DIMS_SQL = `DROP INDEX rollup_day_key_key; DROP INDEX rollup_day_account_account;
  ${DAY_DIMS_TABLES.map((t) => `DROP TABLE ${t};`).join(' ')}
  DELETE FROM rollup_fold WHERE name = '${DAY_DIMS_GROUP}';
  DELETE FROM kysely_migration WHERE name >= '0026-day-dims';`;
