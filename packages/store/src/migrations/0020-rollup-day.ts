import { ddlMigration } from './migration-steps';

// Daily (UTC) rollup over (model, provider, status class) beside rollup_hour (issue #21, 10M events): a 365-day
// view reads ~365 × combinations rows instead of ~8,760 × combinations hourly ones. Backfilled from rollup_hour,
// which outlives raw events after retention, so old days are complete.
const METRICS = `n INTEGER NOT NULL, failures INTEGER NOT NULL,
     input INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_creation INTEGER NOT NULL,
     output INTEGER NOT NULL, reasoning INTEGER NOT NULL, unclassified INTEGER NOT NULL,
     cost INTEGER NOT NULL, unpriced INTEGER NOT NULL, latency_sum INTEGER NOT NULL, last_ts INTEGER NOT NULL`;

/** The backfill, the same in both dialects (hour / 24 is integer division on both). */
export const ROLLUP_DAY_BACKFILL = `INSERT INTO rollup_day (day, model_id, provider_id, sclass, n, failures, input,
     cache_read, cache_creation, output, reasoning, unclassified, cost, unpriced, latency_sum, last_ts)
   SELECT hour / 24, model_id, provider_id, sclass, sum(n), sum(failures), sum(input), sum(cache_read),
     sum(cache_creation), sum(output), sum(reasoning), sum(unclassified), sum(cost), sum(unpriced),
     sum(latency_sum), max(last_ts)
   FROM rollup_hour GROUP BY hour / 24, model_id, provider_id, sclass`;

const statements = [
  `CREATE TABLE rollup_day (
     day INTEGER NOT NULL, model_id INTEGER NOT NULL, provider_id INTEGER NOT NULL, sclass INTEGER NOT NULL,
     ${METRICS},
     PRIMARY KEY (day, model_id, provider_id, sclass)) WITHOUT ROWID`,
  ROLLUP_DAY_BACKFILL,
];

export const { up, down } = ddlMigration(statements, ['rollup_day']);
