import type Database from 'better-sqlite3';
import type { PoolEvidenceRow } from '../pool/pool.types';
import { FLAG_FAILED } from './event-flags';
import { unpackHeaders } from './header-codec';

/** Reads of the event log for consumers that follow it by id (the pool's quota and auth evidence). */
export interface EventEvidenceReader {
  maxId(): number;
  evidenceAfter(afterEventId: number, limit: number): PoolEvidenceRow[];
}

interface EvidenceRow {
  event_id: number;
  fail_body: string | null;
  headers: string | null;
  header_names: string | null;
  ts: number;
  status: number;
  flags: number;
  auth_index: string;
  provider: string;
  upstream: string | null;
}

/** A row's headers (`names`: its header set's names, NULL for a JSON row); null when absent or unreadable. */
export function parseEvidenceHeaders(text: unknown, names?: string | null): Record<string, string> | null {
  if (typeof text !== 'string') return null;
  try {
    const v = unpackHeaders(text, names) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, string>) : null;
  } catch {
    return null;
  }
}

export function createEventEvidenceReader(reader: () => Database.Database): EventEvidenceReader {
  // Prepared per connection: `reader()` is the read connection (or the writer for :memory:).
  const cache = new WeakMap<Database.Database, { max: Database.Statement; after: Database.Statement }>();
  const stmts = () => {
    const db = reader();
    let s = cache.get(db);
    if (!s) {
      s = {
        max: db.prepare('SELECT max(id) FROM events').pluck(),
        after: db.prepare(
          `SELECT x.event_id, x.fail_body, x.headers, hs.names AS header_names, e.ts, e.status, e.flags, a.auth_index, p.name AS provider, u.name AS upstream
           FROM event_extra x JOIN events e ON e.id = x.event_id
           JOIN account a ON a.id = e.account_id JOIN provider p ON p.id = e.provider_id
           LEFT JOIN upstream u ON u.id = e.upstream_id LEFT JOIN header_set hs ON hs.id = x.hset
           WHERE x.event_id > ? ORDER BY x.event_id LIMIT ?`,
        ),
      };
      cache.set(db, s);
    }
    return s;
  };
  return {
    maxId: () => (stmts().max.get() as number | null) ?? 0,
    evidenceAfter(afterEventId, limit) {
      return (stmts().after.all(afterEventId, limit) as EvidenceRow[]).map((r) => ({
        eventId: r.event_id,
        timestampMs: r.ts,
        authIndex: r.auth_index,
        upstream: r.upstream ?? 'default',
        provider: r.provider,
        statusCode: r.status,
        failed: (r.flags & FLAG_FAILED) !== 0,
        headers: parseEvidenceHeaders(r.headers, r.header_names),
        failBody: r.fail_body,
      }));
    },
  };
}
