import type Database from 'better-sqlite3';
import { STATUS_CLASS_SQL, failedSql } from '../events/event-flags';
import { bucketSql } from '../events/ttft-buckets';
import { DAY_MS, HOUR_MS, METRIC_COLS, rollupRebuildRange, type RollupContribution } from './rollup-batch';
import { MultiRowUpsert, sortByKey } from './multi-row-upsert';
import { rollupRows } from './rollup-rows';
import { ZoneRollupWriter, rebuildZoneRollups } from './zone-rollups';
import { SqliteFold, rebuildFoldTiers } from './fold-sqlite';

const METRICS = METRIC_COLS.join(', ');
const UPDATE_SET = `n = n + excluded.n, failures = failures + excluded.failures, input = input + excluded.input,
  cache_read = cache_read + excluded.cache_read, cache_creation = cache_creation + excluded.cache_creation,
  output = output + excluded.output, reasoning = reasoning + excluded.reasoning,
  unclassified = unclassified + excluded.unclassified, cost = cost + excluded.cost, unpriced = unpriced + excluded.unpriced,
  latency_sum = latency_sum + excluded.latency_sum, last_ts = max(last_ts, excluded.last_ts)`;

const upsert = (
  db: Database.Database,
  table: string,
  keyCols: readonly string[],
  metrics: string,
  set: string,
) =>
  new MultiRowUpsert(
    db,
    `INSERT INTO ${table} (${keyCols.join(', ')}, ${metrics})`,
    keyCols.length + metrics.split(',').length,
    `ON CONFLICT(${keyCols.join(', ')}) DO UPDATE SET ${set}`,
  );

/**
 * Aggregates a batch in memory, then upserts once per rollup row (inside the caller's transaction): rows sorted
 * by primary key, many rows per statement (multi-row-upsert.ts).
 */
export class RollupWriter {
  private readonly hourUp: MultiRowUpsert;
  private readonly dayUp: MultiRowUpsert;
  private readonly latUp: MultiRowUpsert;
  private readonly ttftUp: MultiRowUpsert;
  private readonly dayKeyUp: MultiRowUpsert;
  private readonly dayAccountUp: MultiRowUpsert;
  private readonly zone: ZoneRollupWriter;
  /** The deferred tiers: late events now, the rest by the fold (fold-tier.ts). */
  readonly fold: SqliteFold;

  constructor(db: Database.Database) {
    this.hourUp = upsert(
      db,
      'rollup_hour',
      ['hour', 'model_id', 'provider_id', 'sclass'],
      METRICS,
      UPDATE_SET,
    );
    this.dayUp = upsert(db, 'rollup_day', ['day', 'model_id', 'provider_id', 'sclass'], METRICS, UPDATE_SET);
    this.latUp = upsert(db, 'rollup_hour_latency', ['hour', 'model_id', 'bucket'], 'n', 'n = n + excluded.n');
    this.ttftUp = upsert(db, 'rollup_hour_ttft', ['hour', 'model_id', 'bucket'], 'n', 'n = n + excluded.n');
    this.dayKeyUp = upsert(db, 'rollup_day_key', ['day', 'key_id', 'sclass'], METRICS, UPDATE_SET);
    this.dayAccountUp = upsert(
      db,
      'rollup_day_account',
      ['day', 'account_id', 'sclass'],
      METRICS,
      UPDATE_SET,
    );
    this.zone = new ZoneRollupWriter(db);
    this.fold = new SqliteFold(db);
  }

  apply(items: readonly RollupContribution[]): void {
    const { hour, day, dayKey, dayAccount, latency, ttft } = rollupRows(items);
    this.hourUp.run(sortByKey([...hour.values()], 4));
    this.dayUp.run(sortByKey([...day.values()], 4));
    this.dayKeyUp.run(sortByKey([...dayKey.values()], 3));
    this.dayAccountUp.run(sortByKey([...dayAccount.values()], 3));
    this.latUp.run(sortByKey([...latency.values()], 3));
    this.ttftUp.run(sortByKey([...ttft.values()], 3));
    this.zone.apply(items);
    this.fold.applyLate(items);
  }
}

const SUMS = `count(*), sum(${failedSql()}), sum(input), sum(cache_read), sum(cache_creation), sum(output), sum(reasoning),
  sum(unclassified), coalesce(sum(cost), 0), sum(cost IS NULL), sum(latency), max(ts)`;

/**
 * Recomputes every rollup row touching [fromMs, toMs) from raw events (used after re-pricing).
 * The range is widened to whole UTC days; call it only where raw events still exist.
 */
export function rebuildRollups(db: Database.Database, fromMs: number, toMs: number): void {
  const { d0, d1, t0, t1, h0, h1 } = rollupRebuildRange(fromMs, toMs);
  db.prepare('DELETE FROM rollup_hour WHERE hour >= ? AND hour < ?').run(h0, h1);
  db.prepare('DELETE FROM rollup_hour_latency WHERE hour >= ? AND hour < ?').run(h0, h1);
  db.prepare('DELETE FROM rollup_hour_ttft WHERE hour >= ? AND hour < ?').run(h0, h1);
  db.prepare('DELETE FROM rollup_day WHERE day >= ? AND day < ?').run(d0, d1);
  db.prepare('DELETE FROM rollup_day_key WHERE day >= ? AND day < ?').run(d0, d1);
  db.prepare('DELETE FROM rollup_day_account WHERE day >= ? AND day < ?').run(d0, d1);
  db.prepare(
    `INSERT INTO rollup_hour (hour, model_id, provider_id, sclass, ${METRICS})
     SELECT ts / ${HOUR_MS}, model_id, provider_id, ${STATUS_CLASS_SQL} AS sc, ${SUMS} FROM events WHERE ts >= ? AND ts < ?
     GROUP BY 1, 2, 3, 4`,
  ).run(t0, t1);
  db.prepare(
    `INSERT INTO rollup_day (day, model_id, provider_id, sclass, ${METRICS})
     SELECT ts / ${DAY_MS}, model_id, provider_id, ${STATUS_CLASS_SQL} AS sc, ${SUMS} FROM events WHERE ts >= ? AND ts < ?
     GROUP BY 1, 2, 3, 4`,
  ).run(t0, t1);
  db.prepare(
    `INSERT INTO rollup_hour_latency (hour, model_id, bucket, n)
     SELECT ts / ${HOUR_MS}, model_id, lat_bucket, count(*) FROM events WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3`,
  ).run(t0, t1);
  db.prepare(
    `INSERT INTO rollup_hour_ttft (hour, model_id, bucket, n)
     SELECT ts / ${HOUR_MS}, model_id, ${bucketSql('ttft')}, count(*) FROM events WHERE ts >= ? AND ts < ? AND ttft > 0 GROUP BY 1, 2, 3`,
  ).run(t0, t1);
  db.prepare(
    `INSERT INTO rollup_day_key (day, key_id, sclass, ${METRICS})
     SELECT ts / ${DAY_MS}, key_id, ${STATUS_CLASS_SQL}, ${SUMS} FROM events WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3`,
  ).run(t0, t1);
  db.prepare(
    `INSERT INTO rollup_day_account (day, account_id, sclass, ${METRICS})
     SELECT ts / ${DAY_MS}, account_id, ${STATUS_CLASS_SQL}, ${SUMS} FROM events WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3`,
  ).run(t0, t1);
  rebuildZoneRollups(db, fromMs, toMs);
  rebuildFoldTiers(db, t0, t1);
}
