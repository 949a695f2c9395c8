import type { Dim } from '../analytics/aggregate';
import { DAY_MS, HOUR_MS } from './rollup-batch';
import { CROSS_ROLLUPS } from './rollup-cross';
import type { RollupTable } from './rollup-choice';
import type { SpanTier } from './rollup-spans';

/**
 * Postgres-only tiers (migration 0031, issue #21 item 4 on Postgres): the 365-day cells no shared tier answers —
 * a key × account breakdown (by account under a key filter, by key under an account filter, filter options),
 * percentiles by model under a key / account filter, and a daily split by model under a key / account filter in a
 * non-UTC zone. SQLite cannot afford them in its 250 B/event budget; Postgres has no such budget. They are deferred tiers
 * of the fold group `pg_dims` (pg-dims-fold.ts), which exists only in Postgres (SQLite's 0031 is a no-op), and
 * only Postgres plans read them (`RollupQuery.pgTiers`). This file holds their names and how reads see them.
 */
export const PG_DIMS_GROUP = 'pg_dims';

export const KEY_ACCOUNT_DAY = 'rollup_day_key_account';
export const KEY_ACCOUNT_SPAN = 'rollup_span_key_account';
/** Day latency histograms per key / account × model, and their 8- / 64-day blocks. */
export const KEY_MODEL_LATENCY = { day: 'rollup_day_key_model_latency', span: 'rollup_span_key_model_latency' };
export const ACCOUNT_MODEL_LATENCY = {
  day: 'rollup_day_account_model_latency',
  span: 'rollup_span_account_model_latency',
};
export const HOUR_KEY_MODEL = 'rollup_hour_key_model';
export const HOUR_ACCOUNT_MODEL = 'rollup_hour_account_model';

/** The span blocks of the key × account day tier (read like the shared ones, rollup-spans.ts). */
export const PG_SPAN_TIERS: readonly SpanTier[] = [
  {
    dayTable: KEY_ACCOUNT_DAY,
    table: KEY_ACCOUNT_SPAN,
    keyCols: ['key_id', 'account_id', 'sclass'],
    dims: new Set<Dim>(['key', 'account']),
    dict: 'api_key',
  },
];

/** A day histogram table → its span-block table (the shared ones and these). */
export const PG_HIST_SPANS: Readonly<Record<string, string>> = {
  [KEY_MODEL_LATENCY.day]: KEY_MODEL_LATENCY.span,
  [ACCOUNT_MODEL_LATENCY.day]: ACCOUNT_MODEL_LATENCY.span,
};

/**
 * The Postgres-only read tables pickRollup may choose (after the shared ones): key × account days, and the cross
 * tiers (day × key / account × model, migration 0026) with the latency histograms of this group. A table with two
 * groups answers below both watermarks (`fold2`).
 */
export const PG_ROLLUPS: readonly RollupTable[] = [
  {
    name: KEY_ACCOUNT_DAY,
    unit: DAY_MS,
    timeCol: 'day',
    dims: new Set<Dim>(['key', 'account']),
    hist: null,
    fold: PG_DIMS_GROUP,
  },
  { ...CROSS_ROLLUPS[0]!, hist: KEY_MODEL_LATENCY.day, ttftHist: null, fold2: PG_DIMS_GROUP },
  { ...CROSS_ROLLUPS[1]!, hist: ACCOUNT_MODEL_LATENCY.day, ttftHist: null, fold2: PG_DIMS_GROUP },
];

/**
 * Hour × key × model and hour × account × model (no provider / status class: pickZoneRollup takes them only without
 * those filters): the daily split by model of a key / an account in any whole-hour zone.
 */
const zoneModelTier = (name: string, dim: Dim): RollupTable => ({
  name,
  unit: HOUR_MS,
  timeCol: 'hour',
  dims: new Set<Dim>([dim, 'model']),
  hist: null,
  fold: PG_DIMS_GROUP,
});
export const PG_ZONE_KEY_MODEL = zoneModelTier(HOUR_KEY_MODEL, 'key');
export const PG_ZONE_ACCOUNT_MODEL = zoneModelTier(HOUR_ACCOUNT_MODEL, 'account');
