import { ddlMigration } from './migration-steps';

// Acknowledgements and mutes of alerts, kept server-side (every browser and every channel sees them):
// an ack marks an incident as seen (no more repeats); a mute silences an incident or a whole rule until a
// time (null = until unmuted). The Postgres twin is pg/migrations/0014-alerts.ts. Idempotent DDL:
// a database that forgot this migration (tests replaying an older version) re-applies it safely.
const statements = [
  `CREATE TABLE IF NOT EXISTS alert_silence (
     id INTEGER PRIMARY KEY, kind TEXT NOT NULL, scope TEXT NOT NULL, target_id INTEGER NOT NULL,
     until_ms INTEGER, created_ms INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '')`,
  `CREATE INDEX IF NOT EXISTS alert_silence_target ON alert_silence(scope, target_id)`,
];

export const { up, down } = ddlMigration(statements, ['alert_silence']);
