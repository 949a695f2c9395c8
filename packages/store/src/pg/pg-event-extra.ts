import { sql } from 'kysely';
import { packHeaders } from '../events/header-codec';
import { rows, type PgExec } from './pg-connection';
import { intArray, textArray } from './pg-array';

/** One new event_extra row: the event's id, fail body, and rate-limit headers (null: none). */
export interface PgExtraInput {
  id: number;
  failBody: string | null;
  headers: Record<string, string> | null;
}

/**
 * Writes a batch's event_extra rows in the compact form SQLite uses (events/header-codec.ts): the header sets
 * first (sorted, so concurrent writers take the unique-index entries in one order; ON CONFLICT waits for a
 * concurrent insert of the same set and then sees it), then the rows with their set ids. A header object the
 * compact form cannot carry exactly is stored as JSON (`hset` NULL).
 */
export async function insertPgExtras(trx: PgExec, extras: readonly PgExtraInput[]): Promise<void> {
  if (extras.length === 0) return;
  const packed = extras.map((x) => (x.headers ? packHeaders(x.headers) : null));
  const names = [...new Set(packed.flatMap((p) => (p ? [p.names] : [])))].sort();
  const setId = new Map<string, number>();
  if (names.length) {
    await sql`INSERT INTO header_set (names) SELECT unnest(${textArray(names)}::text[])
      ON CONFLICT (names) DO NOTHING`.execute(trx);
    for (const r of await rows(
      trx,
      sql<{
        id: number;
        names: string;
      }>`SELECT id, names FROM header_set WHERE names = ANY(${textArray(names)}::text[])`,
    ))
      setId.set(r.names, r.id);
  }
  const text = extras.map((x, i) => {
    const p = packed[i];
    if (p) return p.values;
    return x.headers ? JSON.stringify(x.headers) : null;
  });
  const hset = packed.map((p) => (p ? setId.get(p.names)! : null));
  await sql`INSERT INTO event_extra (event_id, fail_body, headers, hset)
    SELECT * FROM unnest(${intArray(extras.map((x) => x.id))}::bigint[], ${textArray(extras.map((x) => x.failBody))}::text[],
      ${textArray(text)}::text[], ${intArray(hset)}::int[])`.execute(trx);
}
