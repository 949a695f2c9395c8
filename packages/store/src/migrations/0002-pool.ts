import { sql, type Kysely } from 'kysely';

// Account-pool operations: the pool's view of CPA's auth files, current quota windows and their
// (bounded) history, inspection runs and results, the auth-issue queue, the action log, ownership of the
// disables cpamp made itself, and pool settings (policy overrides, evidence watermark).
const statements = [
  `CREATE TABLE pool_account (
     auth_index TEXT PRIMARY KEY, file_name TEXT, provider TEXT NOT NULL, email TEXT, plan TEXT,
     chatgpt_account_id TEXT, disabled INTEGER NOT NULL DEFAULT 0, cpa_status TEXT, status_message TEXT,
     last_inspection_ms INTEGER, last_result TEXT, synced_ms INTEGER NOT NULL, deleted_ms INTEGER)`,
  `CREATE TABLE pool_window (
     auth_index TEXT NOT NULL, window TEXT NOT NULL, used_percent REAL, remaining_percent REAL,
     reset_at_ms INTEGER, window_seconds INTEGER, source TEXT NOT NULL, observed_ms INTEGER NOT NULL,
     PRIMARY KEY (auth_index, window)) WITHOUT ROWID`,
  `CREATE TABLE pool_window_history (
     id INTEGER PRIMARY KEY, auth_index TEXT NOT NULL, window TEXT NOT NULL, used_percent REAL NOT NULL,
     reset_at_ms INTEGER, source TEXT NOT NULL, observed_ms INTEGER NOT NULL)`,
  `CREATE INDEX pool_window_history_account ON pool_window_history(auth_index, observed_ms)`,
  `CREATE INDEX pool_window_history_time ON pool_window_history(observed_ms)`,
  `CREATE TABLE pool_inspection_run (
     id INTEGER PRIMARY KEY, trigger TEXT NOT NULL, state TEXT NOT NULL, started_ms INTEGER NOT NULL,
     finished_ms INTEGER, total INTEGER NOT NULL, done INTEGER NOT NULL, dry_run INTEGER NOT NULL,
     counts TEXT NOT NULL, error TEXT)`,
  `CREATE TABLE pool_inspection_result (
     id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, auth_index TEXT NOT NULL, file_name TEXT,
     provider TEXT NOT NULL, result TEXT NOT NULL, http_status INTEGER, detail TEXT NOT NULL,
     windows TEXT NOT NULL, suggested_action TEXT NOT NULL, at_ms INTEGER NOT NULL)`,
  `CREATE INDEX pool_inspection_result_run ON pool_inspection_result(run_id, result)`,
  `CREATE INDEX pool_inspection_result_account ON pool_inspection_result(auth_index, id)`,
  `CREATE TABLE pool_issue (
     id INTEGER PRIMARY KEY, auth_index TEXT NOT NULL, file_name TEXT, provider TEXT NOT NULL,
     issue TEXT NOT NULL, detail TEXT NOT NULL, first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
     count INTEGER NOT NULL, state TEXT NOT NULL, updated_ms INTEGER NOT NULL)`,
  // One unresolved (open or ignored) issue per account and kind: repeats bump its count.
  `CREATE UNIQUE INDEX pool_issue_active ON pool_issue(auth_index, issue) WHERE state != 'resolved'`,
  `CREATE INDEX pool_issue_state ON pool_issue(state, id)`,
  `CREATE TABLE pool_action (
     id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, auth_index TEXT NOT NULL, file_name TEXT,
     action TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL, dry_run INTEGER NOT NULL,
     ok INTEGER NOT NULL, error TEXT)`,
  `CREATE INDEX pool_action_account ON pool_action(auth_index, id)`,
  // What cpamp disabled itself: only these may be re-enabled automatically.
  `CREATE TABLE pool_ownership (
     auth_index TEXT PRIMARY KEY, file_name TEXT, provider TEXT NOT NULL, kind TEXT NOT NULL,
     reason TEXT NOT NULL, window TEXT, disabled_ms INTEGER NOT NULL, recover_at_ms INTEGER,
     updated_ms INTEGER NOT NULL)`,
  `CREATE TABLE pool_setting (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'pool_setting',
    'pool_ownership',
    'pool_action',
    'pool_issue',
    'pool_inspection_result',
    'pool_inspection_run',
    'pool_window_history',
    'pool_window',
    'pool_account',
  ]) {
    await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
  }
}
