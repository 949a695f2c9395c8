import { sql } from 'kysely';
import { FLAG_FAILED } from '../events/event-flags';
import { parseEvidenceHeaders } from '../events/event-evidence';
import type { EventsRepository } from '../repositories';
import { rows, type PgDb } from './pg-connection';

/** The Postgres side of `events.maxId` / `events.evidenceAfter` (readers that follow the log by id). */
export function createPgEventEvidence(deps: {
  db: PgDb;
  assertOpen: () => void;
}): Pick<EventsRepository, 'maxId' | 'evidenceAfter'> {
  const { db, assertOpen } = deps;
  return {
    async maxId() {
      assertOpen();
      const [r] = await rows(db, sql<{ id: string | null }>`SELECT max(id)::text AS id FROM events`);
      return r?.id == null ? 0 : Number(r.id);
    },
    async evidenceAfter(afterEventId, limit) {
      assertOpen();
      const found = await rows(
        db,
        sql<{
          event_id: string;
          fail_body: string | null;
          headers: string | null;
          header_names: string | null;
          ts: string;
          status: number;
          flags: number;
          auth_index: string;
          provider: string;
          upstream: string | null;
        }>`SELECT x.event_id::text AS event_id, x.fail_body, x.headers, hs.names AS header_names, e.ts::text AS ts, e.status, e.flags,
             a.auth_index, p.name AS provider, u.name AS upstream
           FROM event_extra x JOIN events e ON e.id = x.event_id
           JOIN account a ON a.id = e.account_id JOIN provider p ON p.id = e.provider_id
           LEFT JOIN upstream u ON u.id = e.upstream_id LEFT JOIN header_set hs ON hs.id = x.hset
           WHERE x.event_id > ${afterEventId} ORDER BY x.event_id LIMIT ${limit}`,
      );
      return found.map((r) => ({
        eventId: Number(r.event_id),
        timestampMs: Number(r.ts),
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
