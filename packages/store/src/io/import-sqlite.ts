import Database from 'better-sqlite3';
import { StoreError } from '../errors';
import type { NormalizeFn } from '../types';
import { ImportSession, type SessionDeps, type ImportReport } from './import-session';
import { normalizePlusRow } from './record-adapters';


/** The usage_events columns normalizePlusRow reads (plusRowToRaw and the hash / key hash it keeps). */
const ROW_COLUMNS = new Set([
  'id', 'raw_json', 'timestamp', 'timestamp_ms', 'failed', 'fail_status_code', 'method', 'path', 'request_id', 'provider',
  'executor_type', 'resolved_model', 'model', 'requested_model', 'endpoint', 'auth_type', 'auth_index', 'source', 'client_ip',
  'user_agent', 'latency_ms', 'ttft_ms', 'fail_body', 'fail_summary', 'reasoning_effort', 'request_service_tier', 'service_tier',
  'response_service_tier', 'input_tokens', 'output_tokens', 'reasoning_tokens', 'cached_tokens', 'cache_tokens',
  'cache_read_tokens', 'cache_creation_tokens', 'total_tokens', 'event_hash', 'eventHash', 'api_key_hash',
]);

/**
 * An uploaded file is untrusted: a view (which could hide a recursive query that never ends), or a
 * usage_events that is not a plain table, means a crafted file. Triggers are allowed — Plus v1.12 keeps
 * search-index triggers on usage_events — since they fire only on writes and the source is opened
 * read-only. Schema-defined functions are not trusted either.
 */
function refuseCraftedSchema(src: Database.Database, path: string): void {
  src.pragma('trusted_schema = OFF');
  const crafted = src
    .prepare("SELECT type, name FROM sqlite_master WHERE type = 'view' OR (name = 'usage_events' AND type <> 'table') LIMIT 1")
    .get() as { type: string; name: string } | undefined;
  if (crafted) {
    throw new StoreError(
      'import_source_invalid',
      `${path} contains a ${crafted.type} "${crafted.name}"; a CPA Manager (Plus) database has no views. Import the usage.sqlite the manager wrote, not a modified copy.`,
    );
  }
}

/**
 * Migrates usage_events from a CPA Manager Plus or CPA-Manager usage.sqlite, opened read-only so
 * the source is never touched. Rows are read in id order, one chunk per transaction; the
 * checkpoint is the last committed source id.
 */
export async function importSqlite(
  deps: SessionDeps,
  path: string,
  normalize: NormalizeFn,
): Promise<ImportReport> {
  let src: Database.Database;
  try {
    src = new Database(path, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw new StoreError(
      'import_source_invalid',
      `Cannot open ${path} read-only: ${(cause as Error).message}. Point to the Plus/CPA-Manager usage.sqlite file.`,
      { cause },
    );
  }
  try {
    refuseCraftedSchema(src, path);
    const cols = src.prepare("SELECT name FROM pragma_table_info('usage_events')").pluck().all() as string[];
    if (cols.length === 0) {
      throw new StoreError(
        'import_format_unknown',
        `${path} has no usage_events table; it is not a CPA Manager (Plus) database.`,
      );
    }
    // Plus added the snapshot / normalised columns; CPA-Manager has ~24 columns with raw_json.
    const format =
      cols.includes('auth_file_snapshot') || cols.includes('normalized_total_input_tokens')
        ? 'plus_sqlite'
        : 'cpa_manager_sqlite';
    const session = await ImportSession.open(deps, format);
    // Only the columns the row adapter reads: Plus's table has ~60, and building each row object costs per column.
    const wanted = cols.filter((c) => ROW_COLUMNS.has(c));
    const select = wanted.includes('id') ? wanted.map((c) => `"${c}"`).join(', ') : '*';
    const stmt = src.prepare(`SELECT ${select} FROM usage_events WHERE id > ? ORDER BY id LIMIT 1000`);
    let cursor = session.report.resumedFrom;
    for (;;) {
      const rows = stmt.all(cursor) as Record<string, unknown>[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const id = row.id as number;
        session.report.read++;
        const res = normalizePlusRow(row, normalize);
        if (res.ok) {
      const added = session.add(res.event, id);
      if (added) await added;
    }
        else session.reject(id, res.reason);
        cursor = id;
      }
      await session.flush(cursor);
      // Let the server breathe between chunks.
      await new Promise<void>((r) => setImmediate(r));
    }
    return session.finish();
  } finally {
    src.close();
  }
}
