import type { Dim } from '../analytics/aggregate';
import { STATUS_CLASS_SQL } from '../events/event-flags';
import {
  DAY_MS,
  HOUR_MS,
  METRIC_COLS,
  addTo,
  rollupKeyParts,
  type RollupAgg,
  type RollupContribution,
} from './rollup-batch';
import { CROSS_EVENT_SUMS } from './rollup-cross';
import type { FoldEventKey, FoldGroup, FoldTier } from './fold-tier';
import type { RollupTable } from './rollup-choice';

/**
 * Tiers that carry the CPA (issue #21, several CPAs at 10M events): the other rollups have no upstream column, so a
 * view filtered by CPA read every raw event of its range older than the column cache's window (a year at 10M
 * events with two CPAs: 2–8 s). These lead with upstream_id, so a CPA filter is one contiguous range:
 * - rollup_day_upstream: day × model × provider × status class (totals, by model / provider, UTC daily series);
 * - rollup_day_upstream_key / _account: day × key / account × status class (by key / account);
 * - rollup_hour_upstream: hour × status class (heatmaps and series in any whole-hour zone);
 * - rollup_hour_upstream_model: hour × model (the top models of a daily series in a local zone);
 * - rollup_day_upstream_latency: day × model × latency bucket (percentiles over whole days).
 * An account or key is nearly always on one CPA, so these hold about as many rows as the tiers without the CPA
 * (all six at 10M events with two CPAs: 8.6 B/event).
 * Deferred tiers of their own fold group `upstream_dims`, held (SQLite) while the store has one CPA: then no view
 * reads them (ResolvedFilter.severalCpas), and they would only cost disk. With the second CPA the fold catches up
 * from the first raw event, a day per transaction; reads stay exact meanwhile (tier below the watermark, raw
 * above). No TTFT histograms: a TTFT percentile view under a CPA filter reads raw events.
 */
export const UPSTREAM_DIMS_GROUP = 'upstream_dims';

export const UPSTREAM_DIMS_FOLD_GROUP: FoldGroup = {
  name: UPSTREAM_DIMS_GROUP,
  unit: HOUR_MS,
  heldByCache: true,
  heldWithOneCpa: true,
};

interface UpstreamTierDef {
  table: string;
  unit: number;
  keyCols: readonly string[];
  dims: readonly Dim[];
  /** Counts per latency bucket (a histogram), not metrics. */
  latency?: boolean;
}

const LATENCY = 'rollup_day_upstream_latency';
/** Read only by the zone split (pickZoneRollup): no status class, like rollup_hour_model. */
export const UPSTREAM_HOUR_MODEL = 'rollup_hour_upstream_model';

export const UPSTREAM_TIER_DEFS: readonly UpstreamTierDef[] = [
  {
    table: 'rollup_day_upstream',
    unit: DAY_MS,
    keyCols: ['upstream_id', 'day', 'model_id', 'provider_id', 'sclass'],
    dims: ['model', 'provider'],
  },
  {
    table: 'rollup_day_upstream_key',
    unit: DAY_MS,
    keyCols: ['upstream_id', 'key_id', 'day', 'sclass'],
    dims: ['key'],
  },
  {
    table: 'rollup_day_upstream_account',
    unit: DAY_MS,
    keyCols: ['upstream_id', 'account_id', 'day', 'sclass'],
    dims: ['account'],
  },
  { table: 'rollup_hour_upstream', unit: HOUR_MS, keyCols: ['upstream_id', 'hour', 'sclass'], dims: [] },
  {
    table: UPSTREAM_HOUR_MODEL,
    unit: HOUR_MS,
    keyCols: ['upstream_id', 'model_id', 'hour'],
    dims: ['model'],
  },
  {
    table: LATENCY,
    unit: DAY_MS,
    keyCols: ['upstream_id', 'day', 'model_id', 'bucket'],
    dims: [],
    latency: true,
  },
];

const timeCol = (d: UpstreamTierDef) => (d.unit === DAY_MS ? 'day' : 'hour');

/** A key column's SQL over `events` (the same text in both dialects). */
const keyExpr = (c: string): string =>
  c === 'day'
    ? `ts / ${DAY_MS}`
    : c === 'hour'
      ? `ts / ${HOUR_MS}`
      : c === 'sclass'
        ? STATUS_CLASS_SQL
        : c === 'bucket'
          ? 'lat_bucket'
          : c;

/** A key column's value for an inserted or re-priced event (`bucket`: a histogram's, never re-priced). */
function keyValue(c: string, e: FoldEventKey, latBucket = 0): number {
  if (c === 'bucket') return latBucket;
  if (c === 'day') return Math.floor(e.ts / DAY_MS);
  if (c === 'hour') return Math.floor(e.ts / HOUR_MS);
  return e[c as Exclude<keyof FoldEventKey, 'ts'>];
}

const eventKey = (c: RollupContribution): FoldEventKey => ({
  ts: c.ts,
  key_id: c.keyId,
  account_id: c.accountId,
  model_id: c.modelId,
  provider_id: c.providerId,
  upstream_id: c.upstreamId,
  sclass: c.sclass,
});

const foldTier = (d: UpstreamTierDef): FoldTier => {
  const key = (c: RollupContribution) => {
    const e = eventKey(c);
    return d.keyCols.map((k) => keyValue(k, e, c.latBucket)).join('|');
  };
  const base = {
    name: d.table,
    group: UPSTREAM_DIMS_GROUP,
    unit: d.unit,
    timeCol: timeCol(d),
    keyCols: d.keyCols,
    keyExprs: d.keyCols.map(keyExpr),
    dict: 'upstream',
  };
  if (d.latency)
    return {
      ...base,
      valueCols: ['n'],
      valueSql: 'count(*)',
      rows: (items) => {
        const m = new Map<string, number>();
        for (const c of items) {
          const k = key(c);
          m.set(k, (m.get(k) ?? 0) + 1);
        }
        return [...m].map(([k, n]) => [...rollupKeyParts(k), n]);
      },
    };
  return {
    ...base,
    valueCols: METRIC_COLS,
    valueSql: CROSS_EVENT_SUMS,
    maxCols: ['last_ts'],
    rows: (items) => {
      const m = new Map<string, RollupAgg>();
      for (const c of items) addTo(m, key(c), c);
      return [...m].map(([k, a]) => [...rollupKeyParts(k), ...a]);
    },
    costKey: (e) => d.keyCols.map((k) => keyValue(k, e)),
  };
};

/** The CPA tiers as deferred tiers (registered in fold-registry.ts). */
export const UPSTREAM_FOLD_TIERS: readonly FoldTier[] = UPSTREAM_TIER_DEFS.map(foldTier);

const readTable = (d: UpstreamTierDef): RollupTable => ({
  name: d.table,
  unit: d.unit,
  timeCol: timeCol(d),
  dims: new Set<Dim>(d.dims),
  // Percentiles by model / in total over whole days (not under a provider or status filter: see pickRollup).
  hist: d.table === 'rollup_day_upstream' ? LATENCY : null,
  fold: UPSTREAM_DIMS_GROUP,
  upstream: true,
});

/** The same as read tables chosen by pickRollup, only under a CPA filter (rollup-choice.ts). */
export const UPSTREAM_ROLLUPS: readonly RollupTable[] = UPSTREAM_TIER_DEFS.filter(
  (d) => !d.latency && d.table !== UPSTREAM_HOUR_MODEL,
).map(readTable);

/** Hour × model of a CPA: the zone split's top models under a CPA filter (pickZoneRollup). */
export const UPSTREAM_ZONE_MODEL: RollupTable = readTable(
  UPSTREAM_TIER_DEFS.find((d) => d.table === UPSTREAM_HOUR_MODEL)!,
);

/** Hour totals of a CPA: heatmaps and series without a model split in a local zone (pickZoneRollup). */
export const UPSTREAM_HOUR_TOTAL: RollupTable = UPSTREAM_ROLLUPS.find((t) => t.name === 'rollup_hour_upstream')!;
