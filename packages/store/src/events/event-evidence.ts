import type Database from 'better-sqlite3';
import type { PoolEvidenceRow } from '../pool/pool.types';
import { FLAG_FAILED } from './event-flags';

/** Reads of the event log for consumers that follow it by id (the pool's quota and auth evidence). */
export interface EventEvidenceReader {
  maxId(): number;
  evidenceAfter(afterEventId: number, limit: number): PoolEvidenceRow[];
}

interface EvidenceRow {
  event_id: number;
  fail_body: string | null;
  headers: string | null;
  ts: number;
  status: number;
  flags: number;
  auth_index: string;
  provider: string;
  upstream: string | null;
}

export function parseEvidenceHeaders(text: unknown): Record<string, string> | null {
  if (typeof text !== 'string' || text === '') return null;
  try {
    const v = JSON.parse(text) as unknown;
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
          `SELECT x.event_id, x.fail_body, x.headers, e.ts, e.status, e.flags, a.auth_index, p.name AS provider, u.name AS upstream
           FROM event_extra x JOIN events e ON e.id = x.event_id
           JOIN account a ON a.id = e.account_id JOIN provider p ON p.id = e.provider_id
           LEFT JOIN upstream u ON u.id = e.upstream_id
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
        headers: parseEvidenceHeaders(r.headers),
        failBody: r.fail_body,
      }));
    },
  };
}
