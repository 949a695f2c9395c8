import type Database from 'better-sqlite3';
import { STATUS_CLASS_SQL, failedSql } from '../events/event-flags';
import {
  HOUR_MS,
  METRIC_COLS,
  rollupRebuildRange,
  type RollupContribution,
} from './rollup-batch';
import { MultiRowUpsert, sortByKey } from './multi-row-upsert';
import { batchZoneRows, zoneRows } from './rollup-rows';
import { HOUR_DIMS_GROUP, type FoldTier } from './fold-tier';

const ZONE_EVENT_SUMS_TEXT = `count(*), sum(${failedSql()}), sum(input), sum(cache_read), sum(cache_creation), sum(output),
  sum(reasoning), sum(unclassified), coalesce(sum(cost), 0), count(*) - count(cost), sum(latency), max(ts)`;

/**
 * Hour tiers for time views in any whole-hour zone (migration 0022, issue #21). A local day or a weekday × hour
 * cell is not a union of UTC days, so such views read hours: before these tiers that was rollup_hour (~500k rows
 * a year at 10M events: hour × model × provider × status class) or, under a key / account filter, raw events.
 * Measured at 10M events / 365 days (bench/results/scale-sqlite-zone-views-10m.json):
 * - rollup_hour_total: hour × status class, ~26k rows a year: unfiltered heatmaps and series;
 * - rollup_hour_key: key × hour × status class, ~1.6M rows: the same under a key filter;
 * - rollup_hour_account: account × hour × status class, ~4.1M rows: the same under an account filter.
 * Key / account come first in their primary keys: a filtered view reads one contiguous range per id.
 * - rollup_hour_model: model × hour (no provider, no status class), ~350k rows: a daily series split by its top
 *   models reads only those models' hours (top 10 of 40: ~88k rows a year vs ~510k rollup_hour rows).
 * The model split under a key / account filter is not here: hour × key × model measured 5.4M rows at 10M events
 * (Postgres keeps it and hour × account × model: rollups/pg-dims-tables.ts).
 */
export const ZONE_TIERS = [
  { name: 'rollup_hour_total', keyCols: ['hour', 'sclass'], dict: null, fold: null },
  { name: 'rollup_hour_key', keyCols: ['key_id', 'hour', 'sclass'], dict: 'api_key', fold: HOUR_DIMS_GROUP },
  { name: 'rollup_hour_account', keyCols: ['account_id', 'hour', 'sclass'], dict: 'account', fold: HOUR_DIMS_GROUP },
  { name: 'rollup_hour_model', keyCols: ['model_id', 'hour'], dict: 'model', fold: HOUR_DIMS_GROUP },
] as const;

/**
 * The zone tiers written per batch: rollup_hour_total only (hour first, a batch touches a few pages). The id-first
 * tiers are deferred (migration 0025): folded from raw events behind a watermark, see fold-tier.ts.
 */
export const BATCH_ZONE_TIERS = ZONE_TIERS.filter((t) => t.fold === null);

/** The deferred zone tiers as fold tiers (registered in fold-registry.ts). */
export const ZONE_FOLD_TIERS: readonly FoldTier[] = ZONE_TIERS.filter((t) => t.fold !== null).map((t) => ({
  name: t.name,
  group: t.fold!,
  unit: HOUR_MS,
  timeCol: 'hour',
  keyCols: t.keyCols,
  keyExprs: t.keyCols.map((c) => (c === 'hour' ? `ts / ${HOUR_MS}` : c === 'sclass' ? STATUS_CLASS_SQL : c)),
  valueCols: METRIC_COLS,
  valueSql: ZONE_EVENT_SUMS_TEXT,
  maxCols: ['last_ts'],
  dict: t.dict!,
  rows: (items) => [...zoneRows(items)[t.name].values()],
  costKey: (e) =>
    t.keyCols.map((c) =>
      c === 'hour' ? Math.floor(e.ts / HOUR_MS) : c === 'sclass' ? e.sclass : e[c as 'key_id' | 'account_id' | 'model_id'],
    ),
}));

export type ZoneTierName = (typeof ZONE_TIERS)[number]['name'];

const METRICS = METRIC_COLS.join(', ');

/** The metric sums of raw events in METRIC_COLS order (the same text in both dialects). */
export const ZONE_EVENT_SUMS = ZONE_EVENT_SUMS_TEXT;

/**
 * INSERT … SELECT of one zone tier from raw events in [$1, $2) (placeholders: '?' for SQLite, '$n' for pg).
 * Used by the migration's chunked backfill and by the rebuild after re-pricing, in both dialects.
 */
export function zoneTierFromEvents(tier: (typeof ZONE_TIERS)[number], ph: [string, string]): string {
  const keys = tier.keyCols.map((c) =>
    c === 'hour' ? `ts / ${HOUR_MS}` : c === 'sclass' ? STATUS_CLASS_SQL : c,
  );
  return `INSERT INTO ${tier.name} (${tier.keyCols.join(', ')}, ${METRICS})
    SELECT ${keys.join(', ')}, ${ZONE_EVENT_SUMS} FROM events WHERE ts >= ${ph[0]} AND ts < ${ph[1]}
    GROUP BY ${tier.keyCols.map((_, i) => i + 1).join(', ')}`;
}

const UPDATE_SET = METRIC_COLS.map((c) =>
  c === 'last_ts' ? 'last_ts = max(last_ts, excluded.last_ts)' : `${c} = ${c} + excluded.${c}`,
).join(', ');

/** SQLite: adds a batch to the zone tiers (inside the caller's transaction), many rows per statement. */
export class ZoneRollupWriter {
  private readonly ups: Map<ZoneTierName, MultiRowUpsert>;

  constructor(db: Database.Database) {
    this.ups = new Map(
      BATCH_ZONE_TIERS.map((t) => [
        t.name,
        new MultiRowUpsert(
          db,
          `INSERT INTO ${t.name} (${[...t.keyCols, ...METRIC_COLS].join(', ')})`,
          t.keyCols.length + METRIC_COLS.length,
          `ON CONFLICT(${t.keyCols.join(', ')}) DO UPDATE SET ${UPDATE_SET}`,
        ),
      ]),
    );
  }

  apply(items: readonly RollupContribution[]): void {
    const batch = batchZoneRows(items);
    // In key order: consecutive upserts land on the same B-tree pages (key / account / model come first).
    for (const t of BATCH_ZONE_TIERS)
      this.ups.get(t.name)!.run(sortByKey([...batch[t.name]!.values()], t.keyCols.length));
  }
}

/** The hours of a rebuild range (whole UTC days, as rebuildRollups widens them). */
export function zoneRebuildHours(
  fromMs: number,
  toMs: number,
): { h0: number; h1: number; t0: number; t1: number } {
  const { h0, h1, t0, t1 } = rollupRebuildRange(fromMs, toMs);
  return { h0, h1, t0, t1 };
}

/**
 * DELETE of a zone tier's hours [$1, $2). Key / account come first in the primary key: the ids are listed from
 * their dictionary (every event's id is there), so each id is one range read instead of a whole-table scan.
 */
export function zoneTierDelete(tier: (typeof ZONE_TIERS)[number], ph: [string, string]): string {
  const ids = tier.dict ? `${tier.keyCols[0]} IN (SELECT id FROM ${tier.dict}) AND ` : '';
  return `DELETE FROM ${tier.name} WHERE ${ids}hour >= ${ph[0]} AND hour < ${ph[1]}`;
}

/**
 * SQLite: recomputes the per-batch zone tiers of [fromMs, toMs), widened to whole UTC days, from raw events (the
 * deferred ones: rebuildFoldTiers, below their watermark only).
 */
export function rebuildZoneRollups(db: Database.Database, fromMs: number, toMs: number): void {
  const { h0, h1, t0, t1 } = zoneRebuildHours(fromMs, toMs);
  for (const t of BATCH_ZONE_TIERS) {
    db.prepare(zoneTierDelete(t, ['?', '?'])).run(h0, h1);
    db.prepare(zoneTierFromEvents(t, ['?', '?'])).run(t0, t1);
  }
}
