import { sql, type Kysely, type Migration } from 'kysely';
import { HOUR_MS } from '../rollups/rollup-batch';
import { UPSTREAM_DIMS_GROUP, UPSTREAM_FOLD_TIERS } from '../rollups/upstream-tiers';
import { UPSTREAM_TS_INDEX } from './0024-upstream-ts';
import { giveBackFreePages } from './0028-header-sets';

// The tiers that carry the CPA (rollups/upstream-tiers.ts), deferred tiers of the new fold group upstream_dims:
// created empty with the group's watermark at the first stored event's hour, so opening a big store does not wait.
// The background fold fills them a day per transaction once the store has two CPAs (SQLite holds the group
// before), and reads stay exact meanwhile (tier below the watermark, raw events above). Both dialects: only the
// column types differ.
// SQLite also drops 0024's partial (upstream_id, ts) index: it served the CPA-filtered raw reads these tiers now
// answer, and cost 7.9 B/event at 10M events with two CPAs (Postgres, with no disk budget, keeps it).

/** 4-byte where values stay far below 2^31 on Postgres; the sums and timestamps stay 8-byte. */
const SMALL = new Set([
  'upstream_id',
  'key_id',
  'account_id',
  'model_id',
  'provider_id',
  'sclass',
  'bucket',
  'day',
  'hour',
  'n',
  'failures',
  'unpriced',
]);

export function upstreamTiersMigration(d: {
  int: string;
  big: string;
  tail: string;
  dropUpstreamIndex: boolean;
}): Required<Migration> {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (d.dropUpstreamIndex) {
        await sql.raw('DROP INDEX IF EXISTS events_upstream_ts').execute(db);
        await giveBackFreePages(db);
      }
      for (const t of UPSTREAM_FOLD_TIERS) {
        const cols = [...t.keyCols, ...t.valueCols].map(
          (c) => `${c} ${SMALL.has(c) ? d.int : d.big} NOT NULL`,
        );
        await sql
          .raw(
            `CREATE TABLE IF NOT EXISTS ${t.name} (${cols.join(', ')}, PRIMARY KEY (${t.keyCols.join(', ')}))${d.tail}`,
          )
          .execute(db);
      }
      // Re-run with its row in place (a test un-recording later migrations): the tiers and watermark stay as they are.
      const had = await sql`SELECT 1 FROM rollup_fold WHERE name = ${UPSTREAM_DIMS_GROUP}`.execute(db);
      if (had.rows.length > 0) return;
      for (const t of UPSTREAM_FOLD_TIERS) await sql.raw(`DELETE FROM ${t.name}`).execute(db);
      const { rows } = await sql<{ lo: number | string | null }>`SELECT min(ts) AS lo FROM events`.execute(
        db,
      );
      const lo = rows[0]?.lo;
      const upto = lo === null || lo === undefined ? 0 : Math.floor(Number(lo) / HOUR_MS) * HOUR_MS;
      await sql`INSERT INTO rollup_fold (name, upto) VALUES (${UPSTREAM_DIMS_GROUP}, ${upto})`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      if (d.dropUpstreamIndex) await sql.raw(UPSTREAM_TS_INDEX).execute(db);
      await sql`DELETE FROM rollup_fold WHERE name = ${UPSTREAM_DIMS_GROUP}`.execute(db);
      for (const t of [...UPSTREAM_FOLD_TIERS].reverse())
        await sql.raw(`DROP TABLE IF EXISTS ${t.name}`).execute(db);
    },
  };
}

export const { up, down } = upstreamTiersMigration({
  int: 'INTEGER',
  big: 'INTEGER',
  tail: ' WITHOUT ROWID',
  dropUpstreamIndex: true,
});
