import { DAY_MS, HOUR_MS, type RollupContribution } from './rollup-batch';

/**
 * SQLite's batch sums as ready-to-bind rows `[...keyColumns, ...values]`: the same sums as aggregateRollups
 * (same events, same order of addition, so the same stored values), but each row carries
 * its key columns from its first event, so the writer neither splits nor parses the map keys back (that and
 * the string joins were ~30 % of the rollup time of a P3 batch). Postgres upserts the same rows (pg-rollups.ts).
 */
export type RowMap = Map<string, number[]>;

/** Metric values of a new row after `keyLen` key columns (METRIC_COLS order, all zero). */
const METRIC_COUNT = 12;

/** Adds one event's metrics to `r`, whose first `o` values are key columns (the same sums as addTo). */
function addMetrics(r: number[], o: number, c: RollupContribution): void {
  r[o]! += 1;
  r[o + 1]! += c.failed ? 1 : 0;
  r[o + 2]! += c.input;
  r[o + 3]! += c.cacheRead;
  r[o + 4]! += c.cacheCreation;
  r[o + 5]! += c.output;
  r[o + 6]! += c.reasoning;
  r[o + 7]! += c.unclassified;
  r[o + 8]! += c.cost ?? 0;
  r[o + 9]! += c.cost === null ? 1 : 0;
  r[o + 10]! += c.latency;
  if (c.ts > r[o + 11]!) r[o + 11] = c.ts;
}

/** The row of `k` in `map`, created as `key` followed by zero metrics. */
function metricRow(map: RowMap, k: string, key: number[]): number[] {
  let r = map.get(k);
  if (!r) {
    r = key;
    for (let i = 0; i < METRIC_COUNT; i++) r.push(0);
    map.set(k, r);
  }
  return r;
}

function count(map: RowMap, k: string, a: number, b: number, c: number): void {
  const r = map.get(k);
  if (r) r[3]! += 1;
  else map.set(k, [a, b, c, 1]);
}

/** The UTC-hour and UTC-day tiers (rollup-writer.ts), keyed as in rollup-batch. */
export interface RollupRows {
  hour: RowMap;
  day: RowMap;
  dayKey: RowMap;
  dayAccount: RowMap;
  latency: RowMap;
  ttft: RowMap;
}

export function rollupRows(items: readonly RollupContribution[]): RollupRows {
  const out: RollupRows = {
    hour: new Map(),
    day: new Map(),
    dayKey: new Map(),
    dayAccount: new Map(),
    latency: new Map(),
    ttft: new Map(),
  };
  for (const c of items) {
    const h = Math.floor(c.ts / HOUR_MS);
    const d = Math.floor(c.ts / DAY_MS);
    const m = c.modelId;
    const p = c.providerId;
    const s = c.sclass;
    // Key arrays are only built for a row's first event.
    const hk = `${h}|${m}|${p}|${s}`;
    addMetrics(out.hour.get(hk) ?? metricRow(out.hour, hk, [h, m, p, s]), 4, c);
    const dk = `${d}|${m}|${p}|${s}`;
    addMetrics(out.day.get(dk) ?? metricRow(out.day, dk, [d, m, p, s]), 4, c);
    const kk = `${d}|${c.keyId}|${s}`;
    addMetrics(out.dayKey.get(kk) ?? metricRow(out.dayKey, kk, [d, c.keyId, s]), 3, c);
    const ak = `${d}|${c.accountId}|${s}`;
    addMetrics(out.dayAccount.get(ak) ?? metricRow(out.dayAccount, ak, [d, c.accountId, s]), 3, c);
    count(out.latency, `${h}|${m}|${c.latBucket}`, h, m, c.latBucket);
    if (c.ttftBucket) count(out.ttft, `${h}|${m}|${c.ttftBucket}`, h, m, c.ttftBucket);
  }
  return out;
}

/** The zone tiers (zone-rollups.ts), key columns in each tier's keyCols order. */
export interface ZoneRows {
  rollup_hour_total: RowMap;
  rollup_hour_key: RowMap;
  rollup_hour_account: RowMap;
  rollup_hour_model: RowMap;
}

export function zoneRows(items: readonly RollupContribution[]): ZoneRows {
  const out: ZoneRows = {
    rollup_hour_total: new Map(),
    rollup_hour_key: new Map(),
    rollup_hour_account: new Map(),
    rollup_hour_model: new Map(),
  };
  for (const c of items) {
    const h = Math.floor(c.ts / HOUR_MS);
    const s = c.sclass;
    const tk = `${h}|${s}`;
    addMetrics(out.rollup_hour_total.get(tk) ?? metricRow(out.rollup_hour_total, tk, [h, s]), 2, c);
    const kk = `${c.keyId}|${h}|${s}`;
    addMetrics(out.rollup_hour_key.get(kk) ?? metricRow(out.rollup_hour_key, kk, [c.keyId, h, s]), 3, c);
    const ak = `${c.accountId}|${h}|${s}`;
    addMetrics(
      out.rollup_hour_account.get(ak) ?? metricRow(out.rollup_hour_account, ak, [c.accountId, h, s]),
      3,
      c,
    );
    const mk = `${c.modelId}|${h}`;
    addMetrics(out.rollup_hour_model.get(mk) ?? metricRow(out.rollup_hour_model, mk, [c.modelId, h]), 2, c);
  }
  return out;
}

/**
 * The zone tiers still written per batch (zone-rollups.ts BATCH_ZONE_TIERS: rollup_hour_total); the id-first ones
 * are folded later (fold-tier.ts), so a batch need not sum them.
 */
export function batchZoneRows(items: readonly RollupContribution[]): Partial<ZoneRows> {
  const total: RowMap = new Map();
  for (const c of items) {
    const h = Math.floor(c.ts / HOUR_MS);
    const tk = `${h}|${c.sclass}`;
    addMetrics(total.get(tk) ?? metricRow(total, tk, [h, c.sclass]), 2, c);
  }
  return { rollup_hour_total: total };
}
