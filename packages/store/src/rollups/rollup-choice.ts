import type { Dim, ResolvedFilter } from '../analytics/aggregate';
import type { BucketMap } from '../analytics/time-zone';
import { DAY_MS, HOUR_MS } from './rollup-batch';
import { CROSS_ROLLUPS, DAY_HIST_TABLES } from './rollup-cross';
import { splitSpans } from './rollup-spans';
import { HOUR_DIMS_GROUP, foldCut, uptoOf, type FoldMarks } from './fold-tier';
import { DAY_DIMS_GROUP, closedDays, dayDimsClosedDays } from './day-dims-fold';
import { UPSTREAM_HOUR_TOTAL, UPSTREAM_ROLLUPS, UPSTREAM_ZONE_MODEL } from './upstream-tiers';
import { PG_DIMS_GROUP, PG_ROLLUPS, PG_ZONE_ACCOUNT_MODEL, PG_ZONE_KEY_MODEL } from './pg-dims-tables';

/** A rollup table and what it can answer. */
export interface RollupTable {
  name: string;
  /** Length of one time unit of the table, in ms. */
  unit: number;
  timeCol: string;
  dims: Set<Dim>;
  /** Its latency-histogram table, if any. */
  hist: string | null;
  /** Its time-to-first-token histogram table, if any. */
  ttftHist?: string | null;
  /** A deferred tier's fold group: it answers only below its watermark (fold-tier.ts, foldCut). */
  fold?: string;
  /** A second group the table's histograms belong to: it answers below both watermarks. */
  fold2?: string;
  /** Its rows carry upstream_id (upstream-tiers.ts): the only tables a CPA filter may read, and only under one. */
  upstream?: boolean;
}

// The same rollups in both dialects: hourly over (model, provider, status class), daily per key / account.
export const ROLLUPS: readonly RollupTable[] = [
  {
    name: 'rollup_hour',
    unit: HOUR_MS,
    timeCol: 'hour',
    dims: new Set<Dim>(['model', 'provider']),
    hist: 'rollup_hour_latency',
    ttftHist: 'rollup_hour_ttft',
  },
  { name: 'rollup_day_key', unit: DAY_MS, timeCol: 'day', dims: new Set<Dim>(['key']), hist: null },
  { name: 'rollup_day_account', unit: DAY_MS, timeCol: 'day', dims: new Set<Dim>(['account']), hist: null },
];

/**
 * The daily rollup over the same dimensions as rollup_hour (no histograms): the whole UTC days inside a long
 * range come from it, the hours at its edges from rollup_hour.
 */
export const DAY_ROLLUP: RollupTable = {
  name: 'rollup_day',
  unit: DAY_MS,
  timeCol: 'day',
  dims: new Set<Dim>(['model', 'provider']),
  hist: null,
};

/** What an aggregate asks for, as far as the choice of rollup goes. */
export interface RollupQuery {
  filter: ResolvedFilter;
  dim: Dim;
  dim2?: 'model';
  buckets?: Pick<BucketMap, 'wholeHours' | 'wholeDays'>;
  histogram?: boolean;
  histMetric?: 'latency' | 'ttft';
  /** Postgres: its own tiers (migration 0031, pg-dims-tables.ts) may answer too. */
  pgTiers?: boolean;
}

/** The first rollup whose dimensions cover the filter and grouping, if any. */
export function pickRollup(spec: RollupQuery): RollupTable | null {
  const zone = pickZoneRollup(spec);
  if (zone) return zone;
  const f = spec.filter;
  if (typeof f.status === 'number') return null;
  // A CPA filter in a store of one CPA: raw events (see ResolvedFilter.severalCpas).
  if (f.upstreamIds && !f.severalCpas) return null;
  const used: Dim[] = [];
  if (f.keyIds) used.push('key');
  if (f.accountIds) used.push('account');
  if (f.modelIds) used.push('model');
  if (f.providerIds) used.push('provider');
  if (spec.dim2) used.push('model');
  for (const t of spec.pgTiers ? PG_READ_TABLES : SHARED_READ_TABLES) {
    // Only the CPA tiers keep rows per CPA: they answer a CPA filter, and nothing else (more rows than the others).
    if ((t.upstream === true) !== (f.upstreamIds !== undefined)) continue;
    if (!used.every((d) => t.dims.has(d))) continue;
    if (!crossReadable(t, f)) continue;
    if (spec.dim === 'time') {
      // A CPA day tier answers UTC daily buckets itself (the raw edges around its whole days).
      const fits =
        t.unit === HOUR_MS ? spec.buckets!.wholeHours : t.upstream === true && spec.buckets!.wholeDays;
      if (!fits) continue;
    } else if (spec.dim !== 'none' && !t.dims.has(spec.dim)) continue;
    if (
      spec.histogram &&
      (!(spec.histMetric === 'ttft' ? t.ttftHist : t.hist) ||
        f.providerIds ||
        f.status !== undefined ||
        spec.dim === 'provider')
    )
      continue;
    return t;
  }
  return null;
}

const SHARED_READ_TABLES = [...ROLLUPS, ...CROSS_ROLLUPS, ...UPSTREAM_ROLLUPS];
const PG_READ_TABLES = [...SHARED_READ_TABLES, ...PG_ROLLUPS];

/** A piece of an aggregate's time range, read from the chosen rollup or from raw events. */
export interface AggregateRange {
  kind: 'rollup' | 'events';
  from: number;
  to: number;
  /** The rollup of this piece when it is not the plan's table (the daily rollup inside an hourly plan). */
  table?: RollupTable;
}

/** Whether whole UTC days may come from rollup_day (+ its day histograms): time views only in UTC daily buckets. */
const dayRollupFits = (spec: RollupQuery): boolean => spec.dim !== 'time' || spec.buckets?.wholeDays === true;

/**
 * [from, to) in the table's whole units and the raw-event edges, appended to ranges. A deferred tier's units end at
 * its cut: from there on the range is raw events.
 */
function splitUnits(
  ranges: AggregateRange[],
  table: RollupTable,
  from: number,
  to: number,
  day: boolean,
  dayTable: RollupTable,
  marks: FoldMarks | undefined,
): void {
  const h0 = Math.ceil(from / table.unit) * table.unit;
  const h1 = foldCut(table, marks, h0, Math.floor(to / table.unit) * table.unit);
  if (h1 <= h0) {
    ranges.push({ kind: 'events', from, to });
    return;
  }
  if (from < h0) ranges.push({ kind: 'events', from, to: h0 });
  const d0 = day ? Math.ceil(h0 / DAY_MS) * DAY_MS : 0;
  // A deferred day table (the day histograms) answers whole days below its cut; the hours after come hourly.
  const d1 = day ? foldCut(dayTable, marks, d0, Math.floor(h1 / DAY_MS) * DAY_MS) : 0;
  if (day && d1 > d0) {
    if (h0 < d0) ranges.push({ kind: 'rollup', from: h0, to: d0 });
    ranges.push({ kind: 'rollup', from: d0, to: d1, table: dayTable });
    if (d1 < h1) ranges.push({ kind: 'rollup', from: d1, to: h1 });
  } else ranges.push({ kind: 'rollup', from: h0, to: h1 });
  if (h1 < to) ranges.push({ kind: 'events', from: h1, to });
}

/**
 * Splits [filter.from, filter.to) into the whole units the chosen rollup answers and the raw-event
 * edges around them (or raw events for everything when no rollup fits). Inside an hourly plan, whole UTC
 * days come from rollup_day when the grouping allows it. `marks`: the fold watermarks (readFoldMarks), needed
 * when the chosen rollup is a deferred tier (without them it answers nothing: every unit is raw).
 */
export function planAggregateRanges(
  spec: RollupQuery,
  marks?: FoldMarks,
): {
  table: RollupTable | null;
  ranges: AggregateRange[];
  source: 'rollup' | 'events' | 'rollup+events';
} {
  const f = spec.filter;
  let ranges: AggregateRange[] = [];
  const table = pickRollup(spec);
  if (table)
    splitUnits(
      ranges,
      table,
      f.from,
      f.to,
      table.name === 'rollup_hour' && dayRollupFits(spec),
      dayTableOf(spec),
      marks,
    );
  else ranges.push({ kind: 'events', from: f.from, to: f.to });
  // Whole 64- / 8-day blocks of the per-key / per-account daily tiers from their span tables (migration 0026).
  // Not for time views: a block row has no time inside its block.
  // Closed blocks only: those ending at or below the day_dims watermark (day-dims-fold.ts).
  // A plan over a pg_dims table (pg-dims-tables.ts) also needs its blocks closed in that group.
  const pgDims = table?.fold === PG_DIMS_GROUP || table?.fold2 === PG_DIMS_GROUP;
  const closedMs =
    Math.min(dayDimsClosedDays(marks), pgDims ? closedDays(uptoOf(marks, PG_DIMS_GROUP)) : Infinity) * DAY_MS;
  if (spec.dim !== 'time') ranges = ranges.flatMap((r) => splitSpans(r, table, closedMs));
  const kinds = new Set(ranges.map((x) => x.kind));
  const source = kinds.size === 2 ? 'rollup+events' : kinds.has('rollup') ? 'rollup' : 'events';
  return { table, ranges, source };
}

/**
 * The hour tiers of time views in any whole-hour zone (migration 0022; sizes and why in rollups/zone-rollups.ts):
 * no model dimension, so neither a model split nor a model / provider filter.
 */
export const ZONE_ROLLUPS: readonly RollupTable[] = [
  { name: 'rollup_hour_total', unit: HOUR_MS, timeCol: 'hour', dims: new Set<Dim>(), hist: null },
  {
    name: 'rollup_hour_key',
    unit: HOUR_MS,
    timeCol: 'hour',
    dims: new Set<Dim>(['key']),
    hist: null,
    fold: HOUR_DIMS_GROUP,
  },
  {
    name: 'rollup_hour_account',
    unit: HOUR_MS,
    timeCol: 'hour',
    dims: new Set<Dim>(['account']),
    hist: null,
    fold: HOUR_DIMS_GROUP,
  },
  {
    name: 'rollup_hour_model',
    unit: HOUR_MS,
    timeCol: 'hour',
    dims: new Set<Dim>(['model']),
    hist: null,
    fold: HOUR_DIMS_GROUP,
  },
];

/**
 * The zone hour tier for a time view (heatmap, series) in whole-hour buckets, if one fits: key / account filtered →
 * its tier; a model split or model filter without a status filter → rollup_hour_model; else rollup_hour_total.
 * Unfiltered or model daily series in UTC keep reading rollup_day (fewer rows than 24 hours a day).
 */
export function pickZoneRollup(spec: RollupQuery): RollupTable | null {
  const f = spec.filter;
  if (spec.dim !== 'time' || spec.histogram || !spec.buckets?.wholeHours) return null;
  if (typeof f.status === 'number' || f.providerIds) return null;
  const byModel = spec.dim2 !== undefined || f.modelIds !== undefined;
  if (f.upstreamIds) return upstreamZoneRollup(spec, byModel);
  // Postgres: hour × key / account × model (no status class: not under a status filter).
  if (byModel && spec.pgTiers && f.status === undefined && !(f.keyIds && f.accountIds)) {
    if (f.keyIds) return PG_ZONE_KEY_MODEL;
    if (f.accountIds) return PG_ZONE_ACCOUNT_MODEL;
  }
  if (byModel)
    return f.keyIds || f.accountIds || f.status !== undefined || spec.buckets.wholeDays
      ? null
      : ZONE_ROLLUPS[3]!;
  if (f.keyIds && f.accountIds) return null;
  if (f.keyIds) return ZONE_ROLLUPS[1]!;
  if (f.accountIds) return ZONE_ROLLUPS[2]!;
  return spec.buckets.wholeDays ? null : ZONE_ROLLUPS[0]!;
}
/**
 * A CPA filter's zone tier (upstream-tiers.ts), in a store of several CPAs: hour × model for the model split of a
 * local-zone series (no status class: not under a status filter), else hour totals; none under a key / account
 * filter (raw events, or pickRollup's tiers).
 */
function upstreamZoneRollup(spec: RollupQuery, byModel: boolean): RollupTable | null {
  const f = spec.filter;
  if (!f.severalCpas || f.keyIds || f.accountIds) return null;
  // UTC days: rollup_day_upstream (pickRollup).
  if (spec.buckets!.wholeDays) return null;
  if (byModel) return f.status !== undefined ? null : UPSTREAM_ZONE_MODEL;
  return UPSTREAM_HOUR_TOTAL;
}

/**
 * rollup_day with its per-day latency / TTFT histograms (rollup_day_latency, rollup_day_ttft; migration 0026): the
 * histograms are deferred tiers, so whole days only below their watermark.
 */
export const DAY_HIST_ROLLUP: RollupTable = {
  ...DAY_ROLLUP,
  hist: DAY_HIST_TABLES.latency,
  ttftHist: DAY_HIST_TABLES.ttft,
  fold: DAY_DIMS_GROUP,
};

/** The daily table of a plan's whole UTC days: with the day histograms when percentiles are asked for. */
const dayTableOf = (spec: RollupQuery): RollupTable => (spec.histogram ? DAY_HIST_ROLLUP : DAY_ROLLUP);

/**
 * A cross tier (and its span blocks) is read through its primary key (a key / account filter) or its model index
 * (a model filter); it has no index for an unfiltered day range (an unfiltered key × model matrix keeps the
 * column cache or raw events), which saves ~120 MB at 10M events.
 */
function crossReadable(t: RollupTable, f: ResolvedFilter): boolean {
  // The Postgres copies with histograms (PG_ROLLUPS) are the same tables.
  if (!CROSS_ROLLUPS.some((c) => c.name === t.name)) return true;
  return f.modelIds !== undefined || (t.dims.has('key') ? f.keyIds : f.accountIds) !== undefined;
}

/** Whether an aggregate's plan reads a deferred tier (its executor then reads the fold watermarks first). */
export const planNeedsMarks = (spec: RollupQuery): boolean => {
  const t = pickRollup(spec);
  // Or a plan with span blocks / day histograms (closed only below the day_dims watermark; day-dims-fold.ts).
  return t?.fold !== undefined || (t !== null && (spec.dim !== 'time' || spec.histogram === true));
};
