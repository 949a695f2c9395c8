import { sql, type Kysely } from 'kysely';
import type { StoreLogger } from '../types';

// Rate-limit headers stored compactly (events/header-codec.ts): the names of a header object go to the
// `header_set` dictionary once, the row keeps the set's id and only its values joined by U+001F. Existing JSON
// rows are converted in SQL, one id range per statement (each its own commit, so the WAL stays small). A row the
// compact form cannot carry exactly stays JSON (`hset` NULL), as do values that are not strings: JSON.stringify
// escapes every control character and lone surrogate as `\u…`, so a row whose text has no `\u` has none.
export const HEADER_SET_TABLE = `CREATE TABLE header_set (id INTEGER PRIMARY KEY, names TEXT NOT NULL UNIQUE)`;
export const EXTRA_HSET_COLUMN = `ALTER TABLE event_extra ADD COLUMN hset INTEGER`;

/** Event ids per conversion statement. */
const CHUNK = 200_000;

/** The ordered names of a JSON object, as the JSON array header-codec.ts writes. */
const namesOf = (col: string) => `(SELECT json_group_array(key) FROM json_each(${col}))`;

/** The JSON rows of [lo, hi) the compact form can carry exactly: a non-empty object of plain string values. */
const eligible = (lo: number, hi: number) => `x.event_id >= ${lo} AND x.event_id < ${hi}
  AND x.headers IS NOT NULL AND x.hset IS NULL AND json_valid(x.headers) AND json_type(x.headers) = 'object'
  AND instr(x.headers, '\\u') = 0 AND EXISTS (SELECT 1 FROM json_each(x.headers))
  AND NOT EXISTS (SELECT 1 FROM json_each(x.headers) WHERE type <> 'text')`;

/** Converts the JSON rows of [lo, hi): their header sets first, then the rows. */
export function convertHeadersSql(lo: number, hi: number): string[] {
  const where = eligible(lo, hi);
  return [
    `INSERT OR IGNORE INTO header_set (names) SELECT DISTINCT ${namesOf('x.headers')} FROM event_extra x WHERE ${where}`,
    `UPDATE event_extra AS x SET hset = (SELECT id FROM header_set WHERE names = ${namesOf('x.headers')}),
       headers = (SELECT group_concat(value, char(31)) FROM json_each(x.headers)) WHERE ${where}`,
  ];
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await upWithLog(db);
}

export async function upWithLog(db: Kysely<unknown>, logger?: StoreLogger): Promise<void> {
  // Idempotent like the IF NOT EXISTS migrations: tests step back over later migrations and re-run them.
  await sql.raw(HEADER_SET_TABLE.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS')).execute(db);
  const cols = await sql<{ name: string }>`SELECT name FROM pragma_table_info('event_extra')`.execute(db);
  if (!cols.rows.some((c) => c.name === 'hset')) await sql.raw(EXTRA_HSET_COLUMN).execute(db);
  const [span] = (
    await sql<{ lo: number | null; hi: number | null }>`SELECT min(event_id) AS lo, max(event_id) AS hi
      FROM event_extra WHERE headers IS NOT NULL AND hset IS NULL`.execute(db)
  ).rows;
  if (!span || span.lo === null || span.hi === null) return;
  const t0 = performance.now();
  for (let lo = span.lo; lo <= span.hi; lo += CHUNK)
    for (const s of convertHeadersSql(lo, lo + CHUNK)) await sql.raw(s).execute(db);
  logger?.info({ ms: Math.round(performance.now() - t0) }, 'store migration: rate-limit headers compacted');
}

/** Only for a store with no compact rows: their values mean nothing without the sets. */
export async function down(db: Kysely<unknown>): Promise<void> {
  const [c] = (await sql<{ n: number }>`SELECT count(*) AS n FROM event_extra WHERE hset IS NOT NULL`.execute(db)).rows;
  if (c && c.n > 0) throw new Error('event_extra holds compact rate-limit headers: 0028 cannot be undone');
  await sql.raw('ALTER TABLE event_extra DROP COLUMN hset').execute(db);
  await sql.raw('DROP TABLE IF EXISTS header_set').execute(db);
}
