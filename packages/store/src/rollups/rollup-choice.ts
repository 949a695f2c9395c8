import type { Dim, ResolvedFilter } from '../analytics/aggregate';
import type { BucketMap } from '../analytics/time-zone';
import { DAY_MS, HOUR_MS } from './rollup-batch';
import { HOUR_DIMS_GROUP, foldCut, type FoldMarks } from './fold-tier';

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
}

/** The first rollup whose dimensions cover the filter and grouping, if any. */
export function pickRollup(spec: RollupQuery): RollupTable | null {
  const zone = pickZoneRollup(spec);
  if (zone) return zone;
  const f = spec.filter;
  if (typeof f.status === 'number') return null;
  // Rollups are not kept per upstream.
  if (f.upstreamIds) return null;
  const used: Dim[] = [];
  if (f.keyIds) used.push('key');
  if (f.accountIds) used.push('account');
  if (f.modelIds) used.push('model');
  if (f.providerIds) used.push('provider');
  if (spec.dim2) used.push('model');
  for (const t of ROLLUPS) {
    if (!used.every((d) => t.dims.has(d))) continue;
    if (spec.dim === 'time') {
      if (t.unit !== HOUR_MS || !spec.buckets!.wholeHours) continue;
    } else if (spec.dim !== 'none' && !t.dims.has(spec.dim)) continue;
    if (spec.histogram && (!(spec.histMetric === 'ttft' ? t.ttftHist : t.hist) || f.providerIds || f.status !== undefined || spec.dim === 'provider'))
      continue;
    return t;
  }
  return null;
}

/** A piece of an aggregate's time range, read from the chosen rollup or from raw events. */
export interface AggregateRange {
  kind: 'rollup' | 'events';
  from: number;
  to: number;
  /** The rollup of this piece when it is not the plan's table (the daily rollup inside an hourly plan). */
  table?: RollupTable;
}

/** Whether whole UTC days may come from rollup_day: no histogram, and time views only in UTC daily buckets. */
const dayRollupFits = (spec: RollupQuery): boolean =>
  !spec.histogram && (spec.dim !== 'time' || spec.buckets?.wholeDays === true);

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
  const d1 = day ? Math.floor(h1 / DAY_MS) * DAY_MS : 0;
  if (day && d1 > d0) {
    if (h0 < d0) ranges.push({ kind: 'rollup', from: h0, to: d0 });
    ranges.push({ kind: 'rollup', from: d0, to: d1, table: DAY_ROLLUP });
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
  const ranges: AggregateRange[] = [];
  const table = pickRollup(spec);
  if (table) splitUnits(ranges, table, f.from, f.to, table.name === 'rollup_hour' && dayRollupFits(spec), marks);
  else ranges.push({ kind: 'events', from: f.from, to: f.to });
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
  { name: 'rollup_hour_key', unit: HOUR_MS, timeCol: 'hour', dims: new Set<Dim>(['key']), hist: null, fold: HOUR_DIMS_GROUP },
  { name: 'rollup_hour_account', unit: HOUR_MS, timeCol: 'hour', dims: new Set<Dim>(['account']), hist: null, fold: HOUR_DIMS_GROUP },
  { name: 'rollup_hour_model', unit: HOUR_MS, timeCol: 'hour', dims: new Set<Dim>(['model']), hist: null, fold: HOUR_DIMS_GROUP },
];

/**
 * The zone hour tier for a time view (heatmap, series) in whole-hour buckets, if one fits: key / account filtered →
 * its tier; a model split or model filter without a status filter → rollup_hour_model; else rollup_hour_total.
 * Unfiltered or model daily series in UTC keep reading rollup_day (fewer rows than 24 hours a day).
 */
export function pickZoneRollup(spec: RollupQuery): RollupTable | null {
  const f = spec.filter;
  if (spec.dim !== 'time' || spec.histogram || !spec.buckets?.wholeHours) return null;
  if (typeof f.status === 'number' || f.upstreamIds || f.providerIds) return null;
  const byModel = spec.dim2 !== undefined || f.modelIds !== undefined;
  if (byModel) return f.keyIds || f.accountIds || f.status !== undefined || spec.buckets.wholeDays ? null : ZONE_ROLLUPS[3]!;
  if (f.keyIds && f.accountIds) return null;
  if (f.keyIds) return ZONE_ROLLUPS[1]!;
  if (f.accountIds) return ZONE_ROLLUPS[2]!;
  return spec.buckets.wholeDays ? null : ZONE_ROLLUPS[0]!;
}

/** Whether an aggregate's plan reads a deferred tier (its executor then reads the fold watermarks first). */
export const planNeedsMarks = (spec: RollupQuery): boolean => pickRollup(spec)?.fold !== undefined;
