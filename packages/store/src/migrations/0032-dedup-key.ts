import { sql, type Kysely } from 'kysely';
import { DEDUP_BYTES, DEDUP_EPOCH_MINUTE } from '../events/event-codec';
import type { StoreLogger } from '../types';
import { giveBackFreePages } from './0028-header-sets';

// The dedup value shrinks from 16 bytes (4-byte minute + 12 hash bytes) to 11 (3-byte minute since 2020 + the
// first 8 hash bytes; events/event-codec.ts dedupBytes): a record stored before the upgrade and delivered again
// after it gets the same 11 bytes. Rows shrunk in place would leave their pages as full as before, so events is
// moved into a new table: the old one is renamed and its indexes dropped, then one id range per transaction is
// copied and deleted from it (an interrupted run resumes with what is left; the deleted ranges' pages hold the
// copies, so the file barely grows), the other indexes are built at the end and the free pages given back.

const OLD = 'events_0032_old';
/** The old table's index definitions, kept until they are rebuilt (a resumed run needs them). */
const DDL = 'events_0032_ddl';
/** Event ids per transaction. */
const CHUNK = 100_000;

/** The new value from a 16-byte one: the minute of `ts` as dedupBytes computes it, then hash bytes 1-8. */
export const NEW_DEDUP_SQL = `CASE WHEN length(dedup) = 16 THEN unhex(printf('%06X',
  max(0, min(${0xffffff}, CAST(ts AS INTEGER) / 60000 - ${DEDUP_EPOCH_MINUTE}))) || hex(substr(dedup, 5, 8)))
  ELSE dedup END`;

const hasTable = async (db: Kysely<unknown>, name: string) =>
  (await sql`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ${name}`.execute(db)).rows.length >
  0;

async function one<T>(db: Kysely<unknown>, query: string): Promise<T | undefined> {
  return (await sql.raw<T>(query).execute(db)).rows[0];
}

/** Whether events holds 16-byte values (both ends checked: the table is converted whole or not at all). */
async function needsRebuild(db: Kysely<unknown>): Promise<boolean> {
  const ends = await sql<{ n: number }>`SELECT length(dedup) AS n FROM events
    WHERE id IN ((SELECT min(id) FROM events), (SELECT max(id) FROM events))`.execute(db);
  return ends.rows.some((r) => r.n !== DEDUP_BYTES);
}

/** Renames events aside (indexes dropped, their DDL kept) and creates the new one with its unique index. */
async function startRebuild(db: Kysely<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const table = await one<{ sql: string }>(
      trx,
      `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'`,
    );
    const indexes = (
      await sql<{ name: string; sql: string }>`SELECT name, sql FROM sqlite_master
        WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL`.execute(trx)
    ).rows;
    await sql.raw(`CREATE TABLE ${DDL} (name TEXT PRIMARY KEY, sql TEXT NOT NULL)`).execute(trx);
    for (const i of indexes) {
      await sql`INSERT INTO ${sql.table(DDL)} (name, sql) VALUES (${i.name}, ${i.sql})`.execute(trx);
      await sql.raw(`DROP INDEX ${i.name}`).execute(trx);
    }
    await sql.raw(`ALTER TABLE events RENAME TO ${OLD}`).execute(trx);
    await sql.raw(table!.sql).execute(trx);
    await sql.raw(`CREATE UNIQUE INDEX events_dedup ON events(dedup)`).execute(trx);
  });
}

/** Moves the ids [lo, hi) into the new table; returns the rows moved and those kept in the old form. */
async function moveChunk(db: Kysely<unknown>, cols: string[], lo: number, hi: number) {
  const range = `id >= ${lo} AND id < ${hi}`;
  const select = cols.map((c) => (c === 'dedup' ? NEW_DEDUP_SQL : c)).join(', ');
  return db.transaction().execute(async (trx) => {
    const count = Number(
      (await one<{ n: number }>(trx, `SELECT count(*) AS n FROM ${OLD} WHERE ${range}`))?.n ?? 0,
    );
    const r = await sql
      .raw(
        `INSERT OR IGNORE INTO events (${cols.join(', ')}) SELECT ${select} FROM ${OLD} WHERE ${range} ORDER BY id`,
      )
      .execute(trx);
    let kept = 0;
    // Two different events sharing a minute and 8 hash bytes (~k²/2^65 per minute): never drop one, keep the
    // later one's 16-byte value (it cannot equal an 11-byte one; dedupKeyOf reads both).
    if (Number(r.numAffectedRows ?? 0) < count) {
      const k = await sql
        .raw(
          `INSERT INTO events (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${OLD} o
          WHERE ${range} AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = o.id)`,
        )
        .execute(trx);
      kept = Number(k.numAffectedRows ?? 0);
    }
    await sql.raw(`DELETE FROM ${OLD} WHERE ${range}`).execute(trx);
    return { moved: count, kept };
  });
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await upWithLog(db);
}

export async function upWithLog(db: Kysely<unknown>, logger?: StoreLogger): Promise<void> {
  const t0 = performance.now();
  if (!(await hasTable(db, OLD))) {
    if (!(await needsRebuild(db))) return;
    await startRebuild(db);
  }
  const cols = (await sql<{ name: string }>`SELECT name FROM pragma_table_info(${OLD})`.execute(db)).rows.map(
    (c) => c.name,
  );
  const span = await one<{ lo: number | null; hi: number | null; n: number }>(
    db,
    `SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM ${OLD}`,
  );
  let moved = 0;
  let kept = 0;
  for (let lo = span?.lo ?? 1; span?.hi != null && lo <= span.hi; lo += CHUNK) {
    const r = await moveChunk(db, cols, lo, lo + CHUNK);
    moved += r.moved;
    kept += r.kept;
    logger?.info(
      { moved, of: span.n, ms: Math.round(performance.now() - t0) },
      'store migration: events moved to the 11-byte dedup key',
    );
  }
  if (kept > 0)
    logger?.warn(
      { kept },
      'store migration: events sharing a minute and 8 hash bytes kept their 16-byte dedup key',
    );
  await db.transaction().execute(async (trx) => {
    await sql.raw(`DROP TABLE ${OLD}`).execute(trx);
    const ddl = (
      await sql<{ name: string; sql: string }>`SELECT name, sql FROM ${sql.table(DDL)}`.execute(trx)
    ).rows;
    for (const i of ddl) if (i.name !== 'events_dedup') await sql.raw(i.sql).execute(trx);
    await sql.raw(`DROP TABLE ${DDL}`).execute(trx);
  });
  await giveBackFreePages(db);
  logger?.info(
    { rows: moved, ms: Math.round(performance.now() - t0) },
    'store migration: dedup key slimmed (11 bytes), free pages given back',
  );
}

/** The 16-byte form cannot be rebuilt: 4 of its hash bytes are gone. */
export async function down(): Promise<void> {
  throw new Error('0032 shortened the stored dedup hashes: it cannot be undone');
}
