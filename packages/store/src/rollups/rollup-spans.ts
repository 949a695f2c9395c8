import type { Dim } from '../analytics/aggregate';
import { DAY_MS, METRIC_COLS, addTo, type RollupAgg, type RollupContribution } from './rollup-batch';
import type { AggregateRange, RollupTable } from './rollup-choice';
import { HIST_SPAN_TABLES } from './rollup-span-hist';
import { DAY_HIST_TABLES } from './rollup-cross';
import { PG_HIST_SPANS, PG_SPAN_TIERS } from './pg-dims-tables';

/**
 * Multi-day spans of the per-key / per-account daily tiers (issue #21, 365-day views at 10M events). Over a
 * year, a key or account filter on a heavy model still meets hundreds of thousands of daily rows (a popular
 * key uses every model every day); the same figures summed per 8-day and 64-day block (aligned to the epoch
 * day) cut a 365-day read to ≤ 5 64-day blocks, ≤ 14 8-day blocks and ≤ 14 days, plus raw-event minutes.
 * Each companion table holds both spans (`span` 8 or 64, `day` = the block's first UTC day) and is derived
 * from its daily tier: the writer adds each batch to both, a rebuild and the migration sum the daily rows.
 */

export const SPANS = [64, 8] as const;

export interface SpanTier {
  /** The daily tier it sums. */
  dayTable: string;
  table: string;
  /** Key columns besides span and day, leading column first. */
  keyCols: string[];
  dims: Set<Dim>;
  /** The dictionary of the leading key column: a DELETE of a day range walks one key range per id. */
  dict: string;
}

export const SPAN_TIERS: readonly SpanTier[] = [
  // rollup_day (with the histogram blocks of rollup-span-hist.ts): year-long percentiles and totals.
  {
    dayTable: 'rollup_day',
    table: 'rollup_span_day',
    keyCols: ['model_id', 'provider_id', 'sclass'],
    dims: new Set<Dim>(['model', 'provider']),
    dict: 'model',
  },
  {
    dayTable: 'rollup_day_key',
    table: 'rollup_span_key',
    keyCols: ['key_id', 'sclass'],
    dims: new Set<Dim>(['key']),
    dict: 'api_key',
  },
  {
    dayTable: 'rollup_day_account',
    table: 'rollup_span_account',
    keyCols: ['account_id', 'sclass'],
    dims: new Set<Dim>(['account']),
    dict: 'account',
  },
  {
    dayTable: 'rollup_day_key_model',
    table: 'rollup_span_key_model',
    keyCols: ['key_id', 'model_id', 'provider_id', 'sclass'],
    dims: new Set<Dim>(['key', 'model', 'provider']),
    dict: 'api_key',
  },
  {
    dayTable: 'rollup_day_account_model',
    table: 'rollup_span_account_model',
    keyCols: ['account_id', 'model_id', 'provider_id', 'sclass'],
    dims: new Set<Dim>(['account', 'model', 'provider']),
    dict: 'account',
  },
];

/** Primary-key order: the leading dimension, span, day, then the rest (a filter on the lead is one range). */
export const spanKeyCols = (t: SpanTier): string[] => [t.keyCols[0]!, 'span', 'day', ...t.keyCols.slice(1)];

/** A span tier's values of one contribution, in keyCols order. */
function keyValues(t: SpanTier, c: RollupContribution): number[] {
  return t.keyCols.map((k) =>
    k === 'key_id'
      ? c.keyId
      : k === 'account_id'
        ? c.accountId
        : k === 'model_id'
          ? c.modelId
          : k === 'provider_id'
            ? c.providerId
            : c.sclass,
  );
}


/** A batch summed per span-tier row (SPAN_TIERS order); keys are spanKeyCols values joined by '|'. */
export function aggregateSpanRollups(items: readonly RollupContribution[]): Map<string, RollupAgg>[] {
  const out = SPAN_TIERS.map(() => new Map<string, RollupAgg>());
  for (const c of items) {
    const d = Math.floor(c.ts / DAY_MS);
    SPAN_TIERS.forEach((t, i) => {
      const [lead, ...rest] = keyValues(t, c);
      for (const span of SPANS) addTo(out[i]!, [lead, span, d - (d % span), ...rest].join('|'), c);
    });
  }
  return out;
}

/**
 * Deletes nothing; INSERT … SELECT summing the daily tier's days [d0, d1) (both multiples of span) into
 * span blocks: the migration's backfill and the rebuild (the same text in both dialects).
 */
export function spanFillSql(t: SpanTier, span: number, d0: number, d1: number): string {
  const rest = t.keyCols.slice(1);
  const sums = METRIC_COLS.map((c) => (c === 'last_ts' ? 'max(last_ts)' : `sum(${c})`)).join(', ');
  return `INSERT INTO ${t.table} (${spanKeyCols(t).join(', ')}, ${METRIC_COLS.join(', ')})
    SELECT ${t.keyCols[0]}, ${span}, (day / ${span}) * ${span}, ${rest.join(', ')}, ${sums}
    FROM ${t.dayTable} WHERE day >= ${Math.trunc(d0)} AND day < ${Math.trunc(d1)}
    GROUP BY ${t.keyCols[0]}, (day / ${span}) * ${span}, ${rest.join(', ')}`;
}

/** A day histogram table → its blocks. */
const HIST_SPAN_OF: Readonly<Record<string, string>> = {
  [DAY_HIST_TABLES.latency]: HIST_SPAN_TABLES.latency,
  [DAY_HIST_TABLES.ttft]: HIST_SPAN_TABLES.ttft,
  ...PG_HIST_SPANS,
};

/** A span piece of a plan: the span table read as a RollupTable restricted to one span. */
export interface SpanRollup extends RollupTable {
  span: number;
}

// With the Postgres-only blocks (pg-dims-tables.ts): only Postgres plans pick their day tables.
const spanTables = new Map<string, { tier: SpanTier; bySpan: Map<number, SpanRollup> }>(
  [...SPAN_TIERS, ...PG_SPAN_TIERS].map((tier) => [
    tier.dayTable,
    {
      tier,
      bySpan: new Map(
        SPANS.map((span) => [
          span,
          {
            name: tier.table,
            unit: DAY_MS,
            timeCol: 'day',
            dims: tier.dims,
            hist: null,
            span,
          } satisfies SpanRollup,
        ]),
      ),
    },
  ]),
);

/**
 * A whole-day piece of a plan over a daily tier with spans, split into 64-day blocks, 8-day blocks and days
 * (largest blocks in the middle). Only blocks ending at or before `closedMs` (the closed ones, day-dims-fold.ts)
 * have rows. Other pieces pass through.
 */
export function splitSpans(
  range: AggregateRange,
  table: RollupTable | null,
  closedMs: number,
): AggregateRange[] {
  const t = range.kind === 'rollup' ? (range.table ?? table) : null;
  const spans = t && t.unit === DAY_MS && !('span' in t) ? spanTables.get(t.name) : undefined;
  // A histogram without blocks: whole days only.
  if (!spans || (t!.hist && !HIST_SPAN_OF[t!.hist])) return [range];
  // A day table with its day histograms (a percentile plan): the blocks carry the histogram blocks too.
  const block = (span: number): RollupTable => {
    const r = spans.bySpan.get(span)!;
    return t!.hist
      ? { ...r, hist: HIST_SPAN_OF[t!.hist]!, ttftHist: t!.ttftHist ? (HIST_SPAN_OF[t!.ttftHist] ?? null) : null }
      : r;
  };
  const out: AggregateRange[] = [];
  const day = (from: number, to: number) => {
    if (to > from) out.push({ ...range, from, to });
  };
  // Recursively: whole blocks of the largest span inside, the rest with the next smaller span or days.
  const cut = (from: number, to: number, level: number) => {
    if (level >= SPANS.length) return day(from, to);
    const ms = SPANS[level]! * DAY_MS;
    const b0 = Math.ceil(from / ms) * ms;
    const b1 = Math.min(Math.floor(to / ms) * ms, Math.floor(closedMs / ms) * ms);
    if (b1 <= b0) return cut(from, to, level + 1);
    cut(from, b0, level + 1);
    out.push({ kind: 'rollup', from: b0, to: b1, table: block(SPANS[level]!) });
    cut(b1, to, level + 1);
  };
  cut(range.from, range.to, 0);
  return out;
}
