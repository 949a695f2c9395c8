import { ddlMigration } from '../../migrations/migration-steps';
import { bucketSql } from '../../events/ttft-buckets';

// Time to first token per hour and model, the same table as SQLite's (see migrations/0015-ttft-rollup.ts).
const statements = [
  `CREATE TABLE rollup_hour_ttft (
     hour bigint NOT NULL, model_id integer NOT NULL, bucket smallint NOT NULL, n bigint NOT NULL,
     PRIMARY KEY (hour, model_id, bucket))`,
  `INSERT INTO rollup_hour_ttft (hour, model_id, bucket, n)
     SELECT ts / 3600000, model_id, ${bucketSql('ttft')}, count(*) FROM events WHERE ttft > 0 GROUP BY 1, 2, 3`,
];

export const { up, down } = ddlMigration(statements, ['rollup_hour_ttft']);
