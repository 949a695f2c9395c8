import { sql, type Kysely, type Migration } from 'kysely';

// Deferred rollup tiers (issue #21; rollups/fold-tier.ts): the hour × key / account / model tiers of 0022 leave
// the ingest path and are folded from raw events behind a watermark kept here, one row per fold group.
// Existing data needs no backfill: the tiers hold every stored event (0022 filled them, ingest kept them), so
// the first watermark is the hour after the newest event and after now: every stored event is "late" and
// already in the tiers. A store without events starts at 0: the fold takes everything from the first event.

const HOUR_MS = 3_600_000;

/** The first watermark of a new fold group over the events already stored (see above). */
export async function initialFoldUpto(db: Kysely<unknown>, nowMs: number, unit = HOUR_MS): Promise<number> {
  const r = (await sql<{ hi: number | string | null }>`SELECT max(ts) AS hi FROM events`.execute(db)).rows[0];
  if (r?.hi === null || r?.hi === undefined) return 0;
  return (Math.floor(Math.max(nowMs, Number(r.hi)) / unit) + 1) * unit;
}

/**
 * Creates rollup_fold (`big`: the dialect's 64-bit integer type) with the hour_dims group. Re-run after 0022 (a
 * test un-records later migrations), the tiers again hold every event: the watermark is set anew.
 */
export async function createRollupFold(
  db: Kysely<unknown>,
  o: { big: string; suffix: string },
): Promise<void> {
  await sql
    .raw(
      `CREATE TABLE IF NOT EXISTS rollup_fold (name TEXT NOT NULL PRIMARY KEY, upto ${o.big} NOT NULL)${o.suffix}`,
    )
    .execute(db);
  const upto = await initialFoldUpto(db, Date.now());
  await sql`INSERT INTO rollup_fold (name, upto) VALUES ('hour_dims', ${upto})
    ON CONFLICT (name) DO UPDATE SET upto = excluded.upto`.execute(db);
}

export const up: Migration['up'] = async (db) => {
  await createRollupFold(db, { big: 'INTEGER', suffix: ' WITHOUT ROWID' });
};

export const down: Required<Migration>['down'] = async (db) => {
  await sql`DROP TABLE IF EXISTS rollup_fold`.execute(db);
};
