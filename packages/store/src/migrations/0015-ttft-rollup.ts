import { ddlMigration } from './migration-steps';
import { bucketSql } from '../events/ttft-buckets';

// Time to first token per hour and model (issue #19: TTFT p50 / p95), beside rollup_hour_latency, filled
// from the events still kept (ttft 0 = not reported by CPA: left out). Older hours stay without TTFT.
const statements = [
  `CREATE TABLE rollup_hour_ttft (
     hour INTEGER NOT NULL, model_id INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL,
     PRIMARY KEY (hour, model_id, bucket)) WITHOUT ROWID`,
  `INSERT INTO rollup_hour_ttft (hour, model_id, bucket, n)
     SELECT ts / 3600000, model_id, ${bucketSql('ttft')}, count(*) FROM events WHERE ttft > 0 GROUP BY 1, 2, 3`,
];

export const { up, down } = ddlMigration(statements, ['rollup_hour_ttft']);
