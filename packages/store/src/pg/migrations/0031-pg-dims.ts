import { sql, type Kysely } from 'kysely';
import { HOUR_MS } from '../../rollups/rollup-batch';
import { PG_DIMS_TABLE_DEFS } from '../../rollups/pg-dims-fold';
import { KEY_ACCOUNT_DAY, KEY_ACCOUNT_SPAN, PG_DIMS_GROUP } from '../../rollups/pg-dims-tables';

// Postgres-only tiers for the 365-day cells no shared tier answers (rollups/pg-dims-tables.ts): day × key ×
// account, day latency histograms per key / account × model (+ their 8- / 64-day blocks), hour × key / account ×
// model.
// Deferred tiers of the new fold group `pg_dims`: created empty with the group's watermark at the first stored
// event's hour, so opening a big store does not wait; the background fold fills them a day per transaction, and
// reads stay exact meanwhile (tier below the watermark, raw events above). SQLite's 0031 is a no-op.

// 4-byte where values stay far below 2^31 (ids, day / hour numbers, counts per row): narrower rows, and sum() of an
// integer is a bigint, of a bigint a numeric. Tokens, cost, latency sums and timestamps stay bigint.
const INT = new Set(['key_id', 'account_id', 'model_id', 'sclass', 'bucket', 'span', 'day', 'hour', 'n', 'failures', 'unpriced']);

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const t of PG_DIMS_TABLE_DEFS) {
    const cols = [...t.keyCols, ...t.valueCols].map((c) => `${c} ${INT.has(c) ? 'integer' : 'bigint'} NOT NULL`);
    await sql
      .raw(`CREATE TABLE IF NOT EXISTS ${t.table} (${cols.join(', ')}, PRIMARY KEY (${t.keyCols.join(', ')}))`)
      .execute(db);
  }
  // By key under an account filter reads the key × account tier through these.
  await sql
    .raw(`CREATE INDEX IF NOT EXISTS ${KEY_ACCOUNT_DAY}_account ON ${KEY_ACCOUNT_DAY} (account_id, day)`)
    .execute(db);
  await sql
    .raw(`CREATE INDEX IF NOT EXISTS ${KEY_ACCOUNT_SPAN}_account ON ${KEY_ACCOUNT_SPAN} (account_id, span, day)`)
    .execute(db);
  // Re-run with its row in place (a test un-recording later migrations): the tiers and watermark stay as they are.
  const had = await sql`SELECT 1 FROM rollup_fold WHERE name = ${PG_DIMS_GROUP}`.execute(db);
  if (had.rows.length > 0) return;
  // Without it the tiers must hold nothing (fresh tables, or a re-run after the row was dropped).
  for (const t of PG_DIMS_TABLE_DEFS) await sql.raw(`DELETE FROM ${t.table}`).execute(db);
  const { rows } = await sql<{ lo: string | null }>`SELECT min(ts) AS lo FROM events`.execute(db);
  const lo = rows[0]?.lo;
  const upto = lo === null || lo === undefined ? 0 : Math.floor(Number(lo) / HOUR_MS) * HOUR_MS;
  await sql`INSERT INTO rollup_fold (name, upto) VALUES (${PG_DIMS_GROUP}, ${upto})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM rollup_fold WHERE name = ${PG_DIMS_GROUP}`.execute(db);
  for (const t of [...PG_DIMS_TABLE_DEFS].reverse()) await sql.raw(`DROP TABLE IF EXISTS ${t.table}`).execute(db);
}
