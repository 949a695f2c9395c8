import { sql, type Kysely } from 'kysely';

// Alerts: rules, channels (secrets encrypted with the data key), incidents (the de-duplication state:
// one open incident per rule and subject) and the delivery log (bounded, pruned by the repository).
const statements = [
  `CREATE TABLE alert_rule (
     id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, enabled INTEGER NOT NULL,
     severity TEXT NOT NULL, params TEXT NOT NULL, channel_ids TEXT NOT NULL, quiet_minutes INTEGER NOT NULL,
     created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL)`,
  `CREATE TABLE alert_channel (
     id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, enabled INTEGER NOT NULL,
     config TEXT NOT NULL, secret_enc TEXT, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL)`,
  `CREATE TABLE alert_incident (
     id INTEGER PRIMARY KEY, rule_id INTEGER NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
     severity TEXT NOT NULL, state TEXT NOT NULL, opened_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
     resolved_ms INTEGER, count INTEGER NOT NULL, message TEXT NOT NULL, last_notified_ms INTEGER)`,
  // At most one open incident per rule and subject: the de-duplication invariant, enforced by SQLite.
  `CREATE UNIQUE INDEX alert_incident_open ON alert_incident(rule_id, subject) WHERE state = 'open'`,
  `CREATE INDEX alert_incident_state ON alert_incident(state, id)`,
  `CREATE INDEX alert_incident_open_kind ON alert_incident(kind, subject) WHERE state = 'open'`,
  `CREATE TABLE alert_delivery (
     id INTEGER PRIMARY KEY, incident_id INTEGER, channel_id INTEGER NOT NULL, channel_name TEXT NOT NULL,
     at_ms INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,
     next_attempt_ms INTEGER, test INTEGER NOT NULL, event TEXT NOT NULL, payload TEXT NOT NULL)`,
  `CREATE INDEX alert_delivery_due ON alert_delivery(next_attempt_ms) WHERE state = 'retrying'`,
  `CREATE INDEX alert_delivery_channel ON alert_delivery(channel_id, id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['alert_delivery', 'alert_incident', 'alert_channel', 'alert_rule']) {
    await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
  }
}
