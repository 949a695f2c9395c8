import type Database from 'better-sqlite3';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The numbers one inserted event contributes to every rollup. */
export interface RollupContribution {
  ts: number;
  modelId: number;
  providerId: number;
  keyId: number;
  accountId: number;
  sclass: number;
  failed: boolean;
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  reasoning: number;
  unclassified: number;
  cost: number | null;
  latency: number;
  latBucket: number;
}

type Agg = number[]; // n, failures, input, cache_read, cache_creation, output, reasoning, unclassified, cost, unpriced, latency_sum, last_ts

const METRICS =
  'n, failures, input, cache_read, cache_creation, output, reasoning, unclassified, cost, unpriced, latency_sum, last_ts';
const UPDATE_SET = `n = n + excluded.n, failures = failures + excluded.failures, input = input + excluded.input,
  cache_read = cache_read + excluded.cache_read, cache_creation = cache_creation + excluded.cache_creation,
  output = output + excluded.output, reasoning = reasoning + excluded.reasoning,
  unclassified = unclassified + excluded.unclassified, cost = cost + excluded.cost, unpriced = unpriced + excluded.unpriced,
  latency_sum = latency_sum + excluded.latency_sum, last_ts = max(last_ts, excluded.last_ts)`;

function addTo(map: Map<string, Agg>, k: string, c: RollupContribution): void {
  let a = map.get(k);
  if (!a) {
    a = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    map.set(k, a);
  }
  a[0]! += 1;
  a[1]! += c.failed ? 1 : 0;
  a[2]! += c.input;
  a[3]! += c.cacheRead;
  a[4]! += c.cacheCreation;
  a[5]! += c.output;
  a[6]! += c.reasoning;
  a[7]! += c.unclassified;
  a[8]! += c.cost ?? 0;
  a[9]! += c.cost === null ? 1 : 0;
  a[10]! += c.latency;
  if (c.ts > a[11]!) a[11] = c.ts;
}

/** Aggregates a batch in memory, then upserts once per rollup row (inside the caller's transaction). */
export class RollupWriter {
  private readonly hourStmt: Database.Statement;
  private readonly latStmt: Database.Statement;
  private readonly dayKeyStmt: Database.Statement;
  private readonly dayAccountStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.hourStmt = db.prepare(
      `INSERT INTO rollup_hour (hour, model_id, provider_id, sclass, ${METRICS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT(hour, model_id, provider_id, sclass) DO UPDATE SET ${UPDATE_SET}`,
    );
    this.latStmt = db.prepare(
      `INSERT INTO rollup_hour_latency (hour, model_id, bucket, n) VALUES (?,?,?,?)
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
  }

  apply(items: readonly RollupContribution[]): void {
    const hour = new Map<string, Agg>();
    const dayKey = new Map<string, Agg>();
    const dayAcc = new Map<string, Agg>();
    const lat = new Map<string, number>();
    for (const c of items) {
      const h = Math.floor(c.ts / HOUR_MS);
      const d = Math.floor(c.ts / DAY_MS);
      addTo(hour, `${h}|${c.modelId}|${c.providerId}|${c.sclass}`, c);
      addTo(dayKey, `${d}|${c.keyId}|${c.sclass}`, c);
      addTo(dayAcc, `${d}|${c.accountId}|${c.sclass}`, c);
      const lk = `${h}|${c.modelId}|${c.latBucket}`;
      lat.set(lk, (lat.get(lk) ?? 0) + 1);
    }
    for (const [k, a] of hour) this.hourStmt.run(...k.split('|').map(Number), ...a);
    for (const [k, a] of dayKey) this.dayKeyStmt.run(...k.split('|').map(Number), ...a);
    for (const [k, a] of dayAcc) this.dayAccountStmt.run(...k.split('|').map(Number), ...a);
    for (const [k, n] of lat) this.latStmt.run(...k.split('|').map(Number), n);
  }
}

const SUMS = `count(*), sum(flags & 1), sum(input), sum(cache_read), sum(cache_creation), sum(output), sum(reasoning),
  sum(unclassified), coalesce(sum(cost), 0), sum(cost IS NULL), sum(latency), max(ts)`;
const SCLASS = `CASE WHEN (flags & 1) = 0 THEN 2 WHEN status BETWEEN 500 AND 599 THEN 5 WHEN status BETWEEN 400 AND 499 THEN 4 ELSE 1 END`;

/**
 * Recomputes every rollup row touching [fromMs, toMs) from raw events (used after re-pricing).
 * The range is widened to whole UTC days; call it only where raw events still exist.
 */
export function rebuildRollups(db: Database.Database, fromMs: number, toMs: number): void {
  const d0 = Math.floor(fromMs / DAY_MS);
  const d1 = Math.ceil(toMs / DAY_MS);
  const t0 = d0 * DAY_MS;
  const t1 = d1 * DAY_MS;
  const h0 = t0 / HOUR_MS;
  const h1 = t1 / HOUR_MS;
  db.prepare('DELETE FROM rollup_hour WHERE hour >= ? AND hour < ?').run(h0, h1);
  db.prepare('DELETE FROM rollup_hour_latency WHERE hour >= ? AND hour < ?').run(h0, h1);
  db.prepare('DELETE FROM rollup_day_key WHERE day >= ? AND day < ?').run(d0, d1);
  db.prepare('DELETE FROM rollup_day_account WHERE day >= ? AND day < ?').run(d0, d1);
  db.prepare(
    `INSERT INTO rollup_hour (hour, model_id, provider_id, sclass, ${METRICS})
     SELECT ts / ${HOUR_MS}, model_id, provider_id, ${SCLASS} AS sc, ${SUMS} FROM events WHERE ts >= ? AND ts < ?
     GROUP BY 1, 2, 3, 4`,
  ).run(t0, t1);
  db.prepare(
    `INSERT INTO rollup_hour_latency (hour, model_id, bucket, n)
     SELECT ts / ${HOUR_MS}, model_id, lat_bucket, count(*) FROM events WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3`,
  ).run(t0, t1);
  db.prepare(
    `INSERT INTO rollup_day_key (day, key_id, sclass, ${METRICS})
     SELECT ts / ${DAY_MS}, key_id, ${SCLASS}, ${SUMS} FROM events WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3`,
  ).run(t0, t1);
  db.prepare(
    `INSERT INTO rollup_day_account (day, account_id, sclass, ${METRICS})
     SELECT ts / ${DAY_MS}, account_id, ${SCLASS}, ${SUMS} FROM events WHERE ts >= ? AND ts < ? GROUP BY 1, 2, 3`,
  ).run(t0, t1);
}
