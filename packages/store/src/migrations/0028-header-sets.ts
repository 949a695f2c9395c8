import { sql, type Kysely } from 'kysely';
import type { StoreLogger } from '../types';

// Rate-limit headers stored compactly (events/header-codec.ts): the names of a header object go to the
// `header_set` dictionary once, the row keeps the set's id (`hset`) and only its values joined by U+001F.
// A store with headers gets event_extra rebuilt into a new table, one id range per statement (each its own
// commit: the WAL stays small, and an interrupted run resumes after the last range copied), then swapped in;
// the old table's pages go back to the file system (incremental vacuum), so the file shrinks at once — rows
// shrunk in place would leave their pages as full as before. A row the compact form cannot carry exactly stays
// JSON (`hset` NULL), by the same test as packHeaders: a value that is not a string or holds a control
// character, or a text with a `\u` escape (lone surrogates, NUL). A store without headers only gets the column.
export const HEADER_SET_TABLE = `CREATE TABLE IF NOT EXISTS header_set (id INTEGER PRIMARY KEY, names TEXT NOT NULL UNIQUE)`;
const REBUILT = 'event_extra_0028';

/** Event ids per statement. */
const CHUNK = 200_000;

/** Matches a text with a control character (U+0001–U+001F; NUL only appears as a `\u` escape). */
const CONTROL_GLOB = `'*[' || char(${Array.from({ length: 31 }, (_, i) => i + 1).join(', ')}) || ']*'`;

/** The ordered names of the row's JSON object (`x` = event_extra), as the JSON array header-codec.ts writes. */
const NAMES = `(SELECT json_group_array(key) FROM json_each(x.headers))`;
/** The row's values joined by U+001F, in the same order. */
const VALUES = `(SELECT group_concat(value, char(31)) FROM json_each(x.headers))`;

/** A JSON row the compact form can carry exactly: a non-empty object of plain string values. */
const ELIGIBLE = `(x.headers IS NOT NULL AND json_valid(x.headers) AND json_type(x.headers) = 'object'
  AND instr(x.headers, '\\u') = 0 AND EXISTS (SELECT 1 FROM json_each(x.headers))
  AND NOT EXISTS (SELECT 1 FROM json_each(x.headers) WHERE type <> 'text' OR value GLOB ${CONTROL_GLOB}))`;

const range = (lo: number, hi: number) => `x.event_id >= ${lo} AND x.event_id < ${hi}`;

/** The header sets of the JSON rows of [lo, hi) in `table`. */
export const headerSetsSql = (table: string, lo: number, hi: number) =>
  `INSERT OR IGNORE INTO header_set (names) SELECT DISTINCT ${NAMES} FROM ${table} x
   WHERE ${range(lo, hi)} AND ${ELIGIBLE}`;

/** Copies the rows of [lo, hi) from the old event_extra into the rebuilt one, compact where they can be. */
export const copyChunkSql = (lo: number, hi: number) =>
  `INSERT INTO ${REBUILT} (event_id, fail_body, headers, hset)
   SELECT x.event_id, x.fail_body,
     CASE WHEN ${ELIGIBLE} THEN ${VALUES} ELSE x.headers END,
     CASE WHEN ${ELIGIBLE} THEN (SELECT id FROM header_set WHERE names = ${NAMES}) END
   FROM event_extra x WHERE ${range(lo, hi)} ORDER BY x.event_id`;

/** Converts the JSON rows of [lo, hi) in place (a re-run over a table that already has `hset`). */
export const convertInPlaceSql = (lo: number, hi: number) =>
  `UPDATE event_extra AS x SET hset = (SELECT id FROM header_set WHERE names = ${NAMES}), headers = ${VALUES}
   WHERE ${range(lo, hi)} AND x.hset IS NULL AND ${ELIGIBLE}`;

const hasTable = async (db: Kysely<unknown>, name: string) =>
  (await sql`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ${name}`.execute(db)).rows.length >
  0;

async function span(db: Kysely<unknown>, where: string): Promise<{ lo: number; hi: number } | null> {
  const [r] = (
    await sql<{ lo: number | null; hi: number | null }>`SELECT min(event_id) AS lo, max(event_id) AS hi
      FROM event_extra WHERE ${sql.raw(where)}`.execute(db)
  ).rows;
  return r && r.lo !== null && r.hi !== null ? { lo: r.lo, hi: r.hi } : null;
}

/**
 * PRAGMA incremental_vacuum frees one page per step, and a statement without result columns is stepped once
 * here: repeat it until the free list is empty (the store's own maintenance steps it through; this runs first).
 */
export async function giveBackFreePages(db: Kysely<unknown>): Promise<void> {
  const free = async () =>
    Number(
      (await sql<{ n: number }>`SELECT freelist_count AS n FROM pragma_freelist_count`.execute(db)).rows[0]
        ?.n ?? 0,
    );
  // Only a file in incremental auto-vacuum mode (every store cpamp created) gives pages back; in another mode
  // incremental_vacuum does nothing, and the free pages stay for later inserts.
  const mode = (await sql<{ m: number }>`SELECT auto_vacuum AS m FROM pragma_auto_vacuum`.execute(db)).rows[0]?.m;
  if (Number(mode) !== 2) return;
  // One transaction per 10,000 pages: a commit per page would cost more than the page.
  for (let n = await free(); n > 0; n = await free())
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < Math.min(n, 10_000); i++) await sql.raw('PRAGMA incremental_vacuum').execute(trx);
    });
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await upWithLog(db);
}

export async function upWithLog(db: Kysely<unknown>, logger?: StoreLogger): Promise<void> {
  await sql.raw(HEADER_SET_TABLE).execute(db);
  // Interrupted between the drop and the rename (both in one transaction, but be sure).
  if (!(await hasTable(db, 'event_extra')) && (await hasTable(db, REBUILT)))
    await sql.raw(`ALTER TABLE ${REBUILT} RENAME TO event_extra`).execute(db);
  const t0 = performance.now();
  const cols = await sql<{ name: string }>`SELECT name FROM pragma_table_info('event_extra')`.execute(db);
  if (cols.rows.some((c) => c.name === 'hset')) {
    // Idempotent like the IF NOT EXISTS migrations: tests step back over later migrations and re-run them.
    const s = await span(db, 'headers IS NOT NULL AND hset IS NULL');
    for (let lo = s?.lo ?? 1; s && lo <= s.hi; lo += CHUNK) {
      await sql.raw(headerSetsSql('event_extra', lo, lo + CHUNK)).execute(db);
      await sql.raw(convertInPlaceSql(lo, lo + CHUNK)).execute(db);
    }
    return;
  }
  const withHeaders = await span(db, 'headers IS NOT NULL');
  if (!withHeaders) {
    await sql.raw('ALTER TABLE event_extra ADD COLUMN hset INTEGER').execute(db);
    return;
  }
  await sql
    .raw(
      `CREATE TABLE IF NOT EXISTS ${REBUILT} (event_id INTEGER PRIMARY KEY, fail_body TEXT, headers TEXT, hset INTEGER)`,
    )
    .execute(db);
  const all = (await span(db, '1'))!;
  const [done] = (
    await sql<{ m: number | null }>`SELECT max(event_id) AS m FROM ${sql.table(REBUILT)}`.execute(db)
  ).rows;
  let copied = 0;
  for (let lo = done?.m != null ? done.m + 1 : all.lo; lo <= all.hi; lo += CHUNK) {
    await sql.raw(headerSetsSql('event_extra', lo, lo + CHUNK)).execute(db);
    copied += Number((await sql.raw(copyChunkSql(lo, lo + CHUNK)).execute(db)).numAffectedRows ?? 0);
  }
  await db.transaction().execute(async (trx) => {
    await sql.raw('DROP TABLE event_extra').execute(trx);
    await sql.raw(`ALTER TABLE ${REBUILT} RENAME TO event_extra`).execute(trx);
  });
  await giveBackFreePages(db);
  logger?.info(
    { rows: copied, ms: Math.round(performance.now() - t0) },
    'store migration: rate-limit headers compacted',
  );
}

/** Only for a store with no compact rows: their values mean nothing without the sets. */
export async function down(db: Kysely<unknown>): Promise<void> {
  const [c] = (
    await sql<{ n: number }>`SELECT count(*) AS n FROM event_extra WHERE hset IS NOT NULL`.execute(db)
  ).rows;
  if (c && c.n > 0) throw new Error('event_extra holds compact rate-limit headers: 0028 cannot be undone');
  await sql.raw('ALTER TABLE event_extra DROP COLUMN hset').execute(db);
  await sql.raw('DROP TABLE IF EXISTS header_set').execute(db);
}
