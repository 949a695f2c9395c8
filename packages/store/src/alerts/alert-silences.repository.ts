import type Database from 'better-sqlite3';

/** An acknowledgement (kind 'ack', of an incident) or a mute (of an incident or of a rule). */
export interface AlertSilenceRecord {
  id: number;
  kind: 'ack' | 'mute';
  scope: 'incident' | 'rule';
  targetId: number;
  /** Null = until removed. */
  untilMs: number | null;
  createdAtMs: number;
  note: string;
}

/** Acks and mutes of alert incidents and rules (migration 0011). */
export interface AlertSilencesRepository {
  /** Acknowledges an incident (idempotent: the first ack is kept). */
  ack(incidentId: number, note?: string): AlertSilenceRecord;
  unack(incidentId: number): boolean;
  mute(input: {
    scope: 'incident' | 'rule';
    targetId: number;
    untilMs: number | null;
    note?: string;
  }): AlertSilenceRecord;
  /** Removes one mute (or ack) by id. */
  remove(id: number): boolean;
  /** Acks and mutes still in force at `nowMs` (expired mutes are left out). */
  active(nowMs: number): AlertSilenceRecord[];
  /** Deletes mutes that ran out before `nowMs`; returns how many. */
  pruneExpired(nowMs: number): number;
}

/** An alert_silence row as both dialects read it. */
export interface SilenceRow {
  id: number;
  kind: string;
  scope: string;
  target_id: number;
  until_ms: number | null;
  created_ms: number;
  note: string;
}

export const silenceRecord = (r: SilenceRow): AlertSilenceRecord => ({
  id: r.id,
  kind: r.kind === 'ack' ? 'ack' : 'mute',
  scope: r.scope === 'rule' ? 'rule' : 'incident',
  targetId: r.target_id,
  untilMs: r.until_ms,
  createdAtMs: r.created_ms,
  note: r.note,
});

export function createAlertSilencesRepository(deps: {
  writer: Database.Database;
  now: () => number;
}): AlertSilencesRepository {
  const { writer: db, now } = deps;
  // Tiny and written by this process: reads go to the writer (a mute set a moment ago is always seen).
  const s = {
    findAck: db.prepare<[number], SilenceRow>(
      `SELECT * FROM alert_silence WHERE kind = 'ack' AND scope = 'incident' AND target_id = ?`,
    ),
    insert: db.prepare(
      `INSERT INTO alert_silence(kind, scope, target_id, until_ms, created_ms, note) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    get: db.prepare<[number | bigint], SilenceRow>('SELECT * FROM alert_silence WHERE id = ?'),
    delAck: db.prepare(
      `DELETE FROM alert_silence WHERE kind = 'ack' AND scope = 'incident' AND target_id = ?`,
    ),
    del: db.prepare('DELETE FROM alert_silence WHERE id = ?'),
    active: db.prepare<[number], SilenceRow>(
      'SELECT * FROM alert_silence WHERE until_ms IS NULL OR until_ms > ? ORDER BY id',
    ),
    prune: db.prepare('DELETE FROM alert_silence WHERE until_ms IS NOT NULL AND until_ms <= ?'),
  };
  return {
    ack(incidentId, note = '') {
      const found = s.findAck.get(incidentId);
      if (found) return silenceRecord(found);
      const info = s.insert.run('ack', 'incident', incidentId, null, now(), note);
      return silenceRecord(s.get.get(info.lastInsertRowid)!);
    },
    unack: (incidentId) => s.delAck.run(incidentId).changes > 0,
    mute(input) {
      const info = s.insert.run('mute', input.scope, input.targetId, input.untilMs, now(), input.note ?? '');
      return silenceRecord(s.get.get(info.lastInsertRowid)!);
    },
    remove: (id) => s.del.run(id).changes > 0,
    active: (nowMs) => s.active.all(nowMs).map(silenceRecord),
    pruneExpired: (nowMs) => s.prune.run(nowMs).changes,
  };
}
