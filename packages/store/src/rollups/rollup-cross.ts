import type { Dim } from '../analytics/aggregate';
import { failedSql } from '../events/event-flags';
import { DAY_MS, addTo, type RollupAgg, type RollupContribution } from './rollup-batch';
import type { RollupTable } from './rollup-choice';

/**
 * Daily tiers that carry a second dimension (issue #21, 365-day views at 10M events): UTC day × key × model
 * and UTC day × account × model (× provider × status class), so a breakdown by key under a model filter, by
 * model under an account filter, … reads whole days from them instead of raw events. Their primary key
 * leads with the key / account (a filter on it is one contiguous range); an index on (model_id, day) serves a
 * model filter and one on (day) an unfiltered read. Plus the latency / TTFT histograms per UTC day × model,
 * so percentiles over a year merge ~365 × buckets rows per model instead of 8,760 × buckets.
 */

/** A cross-dimension daily tier: its table, its leading dimension column and the rest of its key. */
export interface CrossTier {
  table: string;
  /** The leading key column (key_id / account_id). */
  lead: 'key_id' | 'account_id';
  dims: Set<Dim>;
}

export const CROSS_TIERS: readonly CrossTier[] = [
  { table: 'rollup_day_key_model', lead: 'key_id', dims: new Set<Dim>(['key', 'model', 'provider']) },
  {
    table: 'rollup_day_account_model',
    lead: 'account_id',
    dims: new Set<Dim>(['account', 'model', 'provider']),
  },
];

/** The key columns of a cross tier, in primary-key order. */
export const crossKeyCols = (t: CrossTier): string[] => [t.lead, 'day', 'model_id', 'provider_id', 'sclass'];

/** The cross tiers as rollups pickRollup may choose (after the single-dimension ones: they are smaller). */
export const CROSS_ROLLUPS: readonly RollupTable[] = CROSS_TIERS.map((t) => ({
  name: t.table,
  unit: DAY_MS,
  timeCol: 'day',
  dims: t.dims,
  hist: null,
  // Deferred (day-dims-fold.ts): whole days below the day_dims watermark only.
  fold: 'day_dims',
}));

/** Latency / TTFT histograms per UTC day × model: the whole days of a percentile view inside an hourly plan. */
export const DAY_HIST_TABLES = { latency: 'rollup_day_latency', ttft: 'rollup_day_ttft' } as const;

/** Every table of this tier family (retention keeps them; rebuilds and the storage report cover them). */
export const DAY_DIM_TABLES = [
  ...CROSS_TIERS.map((t) => t.table),
  DAY_HIST_TABLES.latency,
  DAY_HIST_TABLES.ttft,
];

/** A batch summed per row of each cross tier and day histogram; keys are the key columns joined by '|'. */
export interface CrossBatch {
  /** Per cross tier (CROSS_TIERS order): lead|day|model_id|provider_id|sclass. */
  cross: Map<string, RollupAgg>[];
  /** day|model_id|bucket → n */
  latency: Map<string, number>;
  /** day|model_id|bucket → n, events with a reported TTFT only */
  ttft: Map<string, number>;
}


const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** Sums a batch in memory, so each row is upserted once per batch. */
export function aggregateCrossRollups(items: readonly RollupContribution[]): CrossBatch {
  const out: CrossBatch = { cross: CROSS_TIERS.map(() => new Map()), latency: new Map(), ttft: new Map() };
  for (const c of items) {
    const d = Math.floor(c.ts / DAY_MS);
    const rest = `${d}|${c.modelId}|${c.providerId}|${c.sclass}`;
    CROSS_TIERS.forEach((t, i) =>
      addTo(out.cross[i]!, `${t.lead === 'key_id' ? c.keyId : c.accountId}|${rest}`, c),
    );
    bump(out.latency, `${d}|${c.modelId}|${c.latBucket}`);
    if (c.ttftBucket) bump(out.ttft, `${d}|${c.modelId}|${c.ttftBucket}`);
  }
  return out;
}

// The same SQL text in both dialects: integer division, CASE, count(*) - count(cost) for the unpriced.
export const CROSS_EVENT_SUMS = `count(*), sum(${failedSql()}), sum(input), sum(cache_read), sum(cache_creation), sum(output),
  sum(reasoning), sum(unclassified), coalesce(sum(cost), 0), count(*) - count(cost), sum(latency), max(ts)`;

/**
 * Day histograms from the hourly ones (the migration's backfill): hourly histograms outlive raw events after
 * retention, so old days are complete.
 */
export const dayHistFromHourSql = (metric: 'latency' | 'ttft', beforeHour?: number): string => {
  const from = metric === 'latency' ? 'rollup_hour_latency' : 'rollup_hour_ttft';
  const where = beforeHour === undefined ? '' : ` WHERE hour < ${Math.trunc(beforeHour)}`;
  return `INSERT INTO ${DAY_HIST_TABLES[metric]} (day, model_id, bucket, n)
    SELECT hour / 24, model_id, bucket, sum(n) FROM ${from}${where} GROUP BY hour / 24, model_id, bucket`;
};
