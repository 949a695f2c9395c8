// The copy's progress, kept in the target (a settings row) and written in the same transaction as each
// chunk: an interrupted copy resumes after the last committed key, so nothing is copied twice or skipped.
// The row also names the source, so a target filled from another database is recognised and refused.
import { sql } from 'kysely';
import { rows, type PgExec } from './pg-connection';

export const COPY_MARKER_KEY = 'migrated_from_sqlite';

export interface TableCheckpoint {
  /** The source key values of the last copied row; null before the first chunk. */
  after: unknown[] | null;
  copied: number;
  done: boolean;
}

export interface CopyMarker {
  version: 1;
  /** Identity of the source database (a hash of its data-key check value, unique per database). */
  source: string;
  sourcePath: string;
  startedMs: number;
  finishedMs: number | null;
  tables: Record<string, TableCheckpoint>;
}

export async function readCopyMarker(db: PgExec): Promise<CopyMarker | undefined> {
  const r = (
    await rows(db, sql<{ value: string }>`SELECT value FROM settings WHERE key = ${COPY_MARKER_KEY}`)
  )[0];
  return r ? (JSON.parse(r.value) as CopyMarker) : undefined;
}

export async function writeCopyMarker(db: PgExec, marker: CopyMarker, now: number): Promise<void> {
  await sql`INSERT INTO settings (key, value, updated_ms) VALUES (${COPY_MARKER_KEY}, ${JSON.stringify(marker)}, ${now})
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms`.execute(db);
}
