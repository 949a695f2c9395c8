import type Database from 'better-sqlite3';
import { STATUS_CLASS_SQL, failedSql } from '../events/event-flags';
import { bucketSql } from '../events/ttft-buckets';
import {
  DAY_MS,
  HOUR_MS,
  METRIC_COLS,
  aggregateRollups,
  rollupKeyParts,
  rollupRebuildRange,
  type RollupContribution,
} from './rollup-batch';
import { CrossRollupWriter, rebuildCrossRollups } from './rollup-cross-writer';

const METRICS = METRIC_COLS.join(', ');
const UPDATE_SET = `n = n + excluded.n, failures = failures + excluded.failures, input = input + excluded.input,
  cache_read = cache_read + excluded.cache_read, cache_creation = cache_creation + excluded.cache_creation,
  output = output + excluded.output, reasoning = reasoning + excluded.reasoning,
  unclassified = unclassified + excluded.unclassified, cost = cost + excluded.cost, unpriced = unpriced + excluded.unpriced,
  latency_sum = latency_sum + excluded.latency_sum, last_ts = max(last_ts, excluded.last_ts)`;

/** Aggregates a batch in memory, then upserts once per rollup row (inside the caller's transaction). */
export class RollupWriter {
  private readonly hourStmt: Database.Statement;
  private readonly dayStmt: Database.Statement;
  private readonly latStmt: Database.Statement;
  private readonly ttftStmt: Database.Statement;
  private readonly dayKeyStmt: Database.Statement;
  private readonly dayAccountStmt: Database.Statement;
  private readonly cross: CrossRollupWriter;

  constructor(db: Database.Database) {
    this.hourStmt = db.prepare(
      `INSERT INTO rollup_hour (hour, model_id, provider_id, sclass, ${METRICS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT(hour, model_id, provider_id, sclass) DO UPDATE SET ${UPDATE_SET}`,
    );
    this.dayStmt = db.prepare(
      `INSERT INTO rollup_day (day, model_id, provider_id, sclass, ${METRICS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT(day, model_id, provider_id, sclass) DO UPDATE SET ${UPDATE_SET}`,
    );
    this.latStmt = db.prepare(
      `INSERT INTO rollup_hour_latency (hour, model_id, bucket, n) VALUES (?,?,?,?)
       ON CONFLICT(hour, model_id, bucket) DO UPDATE SET n = n + excluded.n`,
    );
    this.ttftStmt = db.prepare(
      `INSERT INTO rollup_hour_ttft (hour, model_id, bucket, n) VALUES (?,?,?,?)
       ON CONFLICT(hour, model_id, bucket) DO UPDATE SET n = n + excluded.n`,
    );
    this.dayKeyStmt = db.prepare(
      `INSERT INTO rollup_day_key (day, key_id, sclass, ${METRICS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT(day, key_id, sclass) DO UPDATE SET ${UPDATE_SET}`,
    );
    this.dayAccountStmt = db.prepare(
      `INSERT INTO rollup_day_account (day, account_id, sclass, ${METRICS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT(day, account_id, sclass) DO UPDATE SET ${UPDATE_SET}`,
    );
    this.cross = new CrossRollupWriter(db);
  }

  apply(items: readonly RollupContribution[]): void {
    const { hour, day, dayKey, dayAccount, latency, ttft } = aggregateRollups(items);
    for (const [k, a] of hour) this.hourStmt.run(...rollupKeyParts(k), ...a);
    for (const [k, a] of day) this.dayStmt.run(...rollupKeyParts(k), ...a);
    for (const [k, a] of dayKey) this.dayKeyStmt.run(...rollupKeyParts(k), ...a);
    for (const [k, a] of dayAccount) this.dayAccountStmt.run(...rollupKeyParts(k), ...a);
    for (const [k, n] of latency) this.latStmt.run(...rollupKeyParts(k), n);
    for (const [k, n] of ttft) this.ttftStmt.run(...rollupKeyParts(k), n);
    this.cross.apply(items);
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
  rebuildCrossRollups(db, fromMs, toMs);
}
