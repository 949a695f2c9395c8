import { sql, type Kysely, type Migration } from 'kysely';
import { ZONE_TIERS, zoneTierFromEvents } from '../rollups/zone-rollups';
import type { StoreLogger } from '../types';

// Hour tiers for time views in non-UTC zones (issue #21; why these three: rollups/zone-rollups.ts).
// rollup_hour_total and rollup_hour_model are backfilled from rollup_hour (which outlives raw events after retention); the key and
// account tiers from the raw events still kept, a week at a time (one statement per week and tier keeps each
// step's sort memory small; 10M events: see bench/results/README.md "zone views").

const CHUNK_MS = 7 * 86_400_000;

const METRIC_NAMES = [
  'n',
  'failures',
  'input',
  'cache_read',
  'cache_creation',
  'output',
  'reasoning',
  'unclassified',
  'cost',
  'unpriced',
  'latency_sum',
  'last_ts',
];

/** CREATE TABLE of the three tiers; `int` / `big` are the dialect's column types. */
export function zoneTierDdl(o: { int: string; big: string; suffix: string }): string[] {
  const metrics = METRIC_NAMES.map((c) => `${c} ${o.big} NOT NULL`).join(', ');
  const type = (c: string) => (c === 'hour' ? o.big : o.int);
  return ZONE_TIERS.map(
    (
      t,
    ) => `CREATE TABLE ${t.name} (${t.keyCols.map((c) => `${c} ${type(c)} NOT NULL`).join(', ')}, ${metrics},
      PRIMARY KEY (${t.keyCols.join(', ')}))${o.suffix}`,
  );
}

/** rollup_hour summed over model and provider: every hour the store has rollups for. */
const TOTAL_BACKFILL = `INSERT INTO rollup_hour_total (hour, sclass, ${METRIC_NAMES.join(', ')})
  SELECT hour, sclass, sum(n), sum(failures), sum(input), sum(cache_read), sum(cache_creation), sum(output),
    sum(reasoning), sum(unclassified), sum(cost), sum(unpriced), sum(latency_sum), max(last_ts)
  FROM rollup_hour GROUP BY hour, sclass`;

/** rollup_hour summed over provider and status class. */
const MODEL_BACKFILL = `INSERT INTO rollup_hour_model (model_id, hour, ${METRIC_NAMES.join(', ')})
  SELECT model_id, hour, sum(n), sum(failures), sum(input), sum(cache_read), sum(cache_creation), sum(output),
    sum(reasoning), sum(unclassified), sum(cost), sum(unpriced), sum(latency_sum), max(last_ts)
  FROM rollup_hour GROUP BY model_id, hour`;

/** Fills the new tiers for existing data, the same in both dialects; `logger`: a progress line per ~10 %. */
export async function backfillZoneTiers(db: Kysely<unknown>, logger?: StoreLogger): Promise<void> {
  await sql.raw(TOTAL_BACKFILL).execute(db);
  await sql.raw(MODEL_BACKFILL).execute(db);
  const span = (
    await sql<{
      lo: number | string | null;
      hi: number | string | null;
    }>`SELECT min(ts) AS lo, max(ts) AS hi FROM events`.execute(db)
  ).rows[0];
  if (span?.lo === null || span?.lo === undefined || span.hi === null) return;
  const lo = Number(span.lo);
  const hi = Number(span.hi) + 1;
  // Whole UTC hours per chunk: an hour's row is written by exactly one statement.
  const start = Math.floor(lo / 3_600_000) * 3_600_000;
  const t0 = performance.now();
  let logged = 0;
  for (let t = start; t < hi; t += CHUNK_MS) {
    for (const tier of ZONE_TIERS.filter((x) => x.dict === 'api_key' || x.dict === 'account'))
      await sql.raw(zoneTierFromEvents(tier, [String(t), String(t + CHUNK_MS)])).execute(db);
    const pct = Math.min(100, Math.floor(((t + CHUNK_MS - start) / (hi - start)) * 100));
    if (logger && pct >= logged + 10) {
      logged = pct;
      logger.info({ migration: '0022-rollup-hour-zone', pct, ms: Math.round(performance.now() - t0) }, 'store migration backfill');
    }
  }
}

const TABLES = ZONE_TIERS.map((t) => t.name);

export const upWithLog = async (db: Kysely<unknown>, logger?: StoreLogger): Promise<void> => {
  for (const s of zoneTierDdl({ int: 'INTEGER', big: 'INTEGER', suffix: ' WITHOUT ROWID' }))
    await sql.raw(s).execute(db);
  await backfillZoneTiers(db, logger);
};

export const up: Migration['up'] = (db) => upWithLog(db);

export const down: Required<Migration>['down'] = async (db) => {
  for (const t of [...TABLES].reverse()) await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
};
