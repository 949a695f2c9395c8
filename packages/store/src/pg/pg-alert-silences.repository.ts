// Acks and mutes of alert incidents and rules on Postgres (the same behaviour as SQLite's
// alert-silences repository).
import { sql, type RawBuilder } from 'kysely';
import { silenceRecord, type SilenceRow } from '../alerts/alert-silences.repository';
import type { AlertSilencesAsync } from '../repositories';
import { rows, type PgDb } from './pg-connection';
import { whole } from './pg-pool-db';

export function createPgAlertSilencesRepository(deps: {
  db: PgDb;
  now: () => number;
  assertOpen: () => void;
}): AlertSilencesAsync {
  const { db, now, assertOpen } = deps;
  const q = async (query: RawBuilder<SilenceRow>): Promise<SilenceRow[]> => {
    assertOpen();
    return rows(db, query);
  };
  return {
    async ack(incidentId, note = '') {
      // The partial unique index keeps the first ack, also when two instances ack at once.
      const [inserted] = await q(
        sql<SilenceRow>`INSERT INTO alert_silence (kind, scope, target_id, until_ms, created_ms, note)
          VALUES ('ack', 'incident', ${incidentId}, NULL, ${now()}, ${note})
          ON CONFLICT (target_id) WHERE kind = 'ack' AND scope = 'incident' DO NOTHING RETURNING *`,
      );
      if (inserted) return silenceRecord(inserted);
      const [found] = await q(
        sql<SilenceRow>`SELECT * FROM alert_silence WHERE kind = 'ack' AND scope = 'incident' AND target_id = ${incidentId}`,
      );
      return silenceRecord(found as SilenceRow);
    },
    async unack(incidentId) {
      const gone = await q(
        sql<SilenceRow>`DELETE FROM alert_silence WHERE kind = 'ack' AND scope = 'incident' AND target_id = ${incidentId} RETURNING *`,
      );
      return gone.length > 0;
    },
    async mute(input) {
      const [r] = await q(
        sql<SilenceRow>`INSERT INTO alert_silence (kind, scope, target_id, until_ms, created_ms, note)
          VALUES ('mute', ${input.scope}, ${input.targetId}, ${whole(input.untilMs)}, ${now()}, ${input.note ?? ''})
          RETURNING *`,
      );
      return silenceRecord(r as SilenceRow);
    },
    async remove(id) {
      return (await q(sql<SilenceRow>`DELETE FROM alert_silence WHERE id = ${id} RETURNING *`)).length > 0;
    },
    async active(nowMs) {
      return (
        await q(sql<SilenceRow>`SELECT * FROM alert_silence WHERE until_ms IS NULL OR until_ms > ${whole(nowMs)} ORDER BY id`)
      ).map(silenceRecord);
    },
    async pruneExpired(nowMs) {
      return (
        await q(sql<SilenceRow>`DELETE FROM alert_silence WHERE until_ms IS NOT NULL AND until_ms <= ${whole(nowMs)} RETURNING *`)
      ).length;
    },
  };
}
