import { ddlMigration } from '../../migrations/migration-steps';
import { ROLLUP_DAY_BACKFILL } from '../../migrations/0020-rollup-day';

// The daily rollup over (model, provider, status class), the same table as SQLite's (see
// migrations/0020-rollup-day.ts), backfilled from rollup_hour.
const statements = [
  `CREATE TABLE rollup_day (
     day bigint NOT NULL, model_id integer NOT NULL, provider_id integer NOT NULL, sclass smallint NOT NULL,
     n bigint NOT NULL, failures bigint NOT NULL,
     input bigint NOT NULL, cache_read bigint NOT NULL, cache_creation bigint NOT NULL,
     output bigint NOT NULL, reasoning bigint NOT NULL, unclassified bigint NOT NULL,
     cost bigint NOT NULL, unpriced bigint NOT NULL, latency_sum bigint NOT NULL, last_ts bigint NOT NULL,
     PRIMARY KEY (day, model_id, provider_id, sclass))`,
  ROLLUP_DAY_BACKFILL,
];

export const { up, down } = ddlMigration(statements, ['rollup_day']);
