import { sql, type Kysely } from 'kysely';

// Scale (issue #21, 10M events): views filtered by one key, account or model that no rollup answers read raw
// events. Through events_ts_id alone they walk every event of the range and drop the other keys' rows; with
// (dim, ts) they read only the matching ones (a 30-day view of one key: ~1/6 of the rows at Zipf traffic).
// Time after the dimension: each index grows at the end of 200 / 1,000 / 40 runs, cheap at insert.
const statements = [
  `CREATE INDEX IF NOT EXISTS events_key_ts ON events (key_id, ts)`,
  `CREATE INDEX IF NOT EXISTS events_account_ts ON events (account_id, ts)`,
  `CREATE INDEX IF NOT EXISTS events_model_ts ON events (model_id, ts)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const i of ['events_key_ts', 'events_account_ts', 'events_model_ts'])
    await sql.raw(`DROP INDEX IF EXISTS ${i}`).execute(db);
}
