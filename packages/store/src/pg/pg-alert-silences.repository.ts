// Acks and mutes of alert incidents and rules on Postgres (the same behaviour as SQLite's
// alert-silences repository).
import { sql, type RawBuilder } from 'kysely';
import type { AlertSilenceRecord } from '../alerts/alert-silences.repository';
import type { AlertSilencesAsync } from '../repositories';
import { rows, type PgDb } from './pg-connection';
import { whole } from './pg-pool-db';

interface Row {
  id: number;
  kind: string;
  scope: string;
  target_id: number;
  until_ms: number | null;
  created_ms: number;
  note: string;
}

const toRecord = (r: Row): AlertSilenceRecord => ({
  id: r.id,
  kind: r.kind === 'ack' ? 'ack' : 'mute',
  scope: r.scope === 'rule' ? 'rule' : 'incident',
  targetId: r.target_id,
  untilMs: r.until_ms,
  createdAtMs: r.created_ms,
  note: r.note,
});

export function createPgAlertSilencesRepository(deps: {
  db: PgDb;
  now: () => number;
  assertOpen: () => void;
}): AlertSilencesAsync {
  const { db, now, assertOpen } = deps;
  const q = async (query: RawBuilder<Row>): Promise<Row[]> => {
    assertOpen();
    return rows(db, query);
  };
  return {
    async ack(incidentId, note = '') {
      // The partial unique index keeps the first ack, also when two instances ack at once.
      const [inserted] = await q(
        sql<Row>`INSERT INTO alert_silence (kind, scope, target_id, until_ms, created_ms, note)
          VALUES ('ack', 'incident', ${incidentId}, NULL, ${now()}, ${note})
          ON CONFLICT (target_id) WHERE kind = 'ack' AND scope = 'incident' DO NOTHING RETURNING *`,
      );
      if (inserted) return toRecord(inserted);
      const [found] = await q(
        sql<Row>`SELECT * FROM alert_silence WHERE kind = 'ack' AND scope = 'incident' AND target_id = ${incidentId}`,
      );
      return toRecord(found as Row);
    },
    async unack(incidentId) {
      const gone = await q(
        sql<Row>`DELETE FROM alert_silence WHERE kind = 'ack' AND scope = 'incident' AND target_id = ${incidentId} RETURNING *`,
      );
      return gone.length > 0;
    },
    async mute(input) {
      const [r] = await q(
        sql<Row>`INSERT INTO alert_silence (kind, scope, target_id, until_ms, created_ms, note)
          VALUES ('mute', ${input.scope}, ${input.targetId}, ${whole(input.untilMs)}, ${now()}, ${input.note ?? ''})
          RETURNING *`,
      );
      return toRecord(r as Row);
    },
    async remove(id) {
      return (await q(sql<Row>`DELETE FROM alert_silence WHERE id = ${id} RETURNING *`)).length > 0;
    },
    async active(nowMs) {
      return (
        await q(sql<Row>`SELECT * FROM alert_silence WHERE until_ms IS NULL OR until_ms > ${whole(nowMs)} ORDER BY id`)
      ).map(toRecord);
    },
    async pruneExpired(nowMs) {
      return (
        await q(sql<Row>`DELETE FROM alert_silence WHERE until_ms IS NOT NULL AND until_ms <= ${whole(nowMs)} RETURNING *`)
      ).length;
    },
  };
}
