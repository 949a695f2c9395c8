// A data directory shaped like one CPA Manager Plus v1.12.2 writes (usage.sqlite with the tables cpamp carries
// over, data.key as unpadded base64 and a newline, secrets sealed in Plus's enc:v1 format, the admin
// credential as a salted HMAC), for tests and the plus-migrate benchmark. The table layouts follow Plus's
// schema by column name; a recorded data dir from the real binary lives under test/fixtures/.
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The few methods of a better-sqlite3 Database this builder uses (the caller passes its constructor). */
interface SqliteDb {
  exec(sql: string): unknown;
  prepare(sql: string): { run(...params: unknown[]): unknown };
  transaction<T extends (...args: never[]) => unknown>(fn: T): T;
  pragma(sql: string): unknown;
  close(): unknown;
}
export type SqliteCtor = new (path: string) => SqliteDb;

export const PLUS_SCHEMA = `
create table usage_events (
  id integer primary key autoincrement, request_id text, event_hash text not null unique,
  timestamp_ms integer not null, timestamp text not null, provider text, executor_type text, model text not null,
  endpoint text, method text, path text, client_ip text, x_forwarded_for text, user_agent text, auth_type text,
  auth_index text, source text, source_hash text, api_key_hash text, account_snapshot text, auth_label_snapshot text,
  auth_file_snapshot text, auth_provider_snapshot text, auth_project_id_snapshot text, auth_snapshot_at_ms integer,
  requested_model text, resolved_model text, reasoning_effort text, service_tier text, request_service_tier text,
  response_service_tier text, cache_input_mode text, input_tokens integer not null default 0,
  output_tokens integer not null default 0, reasoning_tokens integer not null default 0,
  cached_tokens integer not null default 0, cache_tokens integer not null default 0,
  cache_read_tokens integer not null default 0, cache_creation_tokens integer not null default 0,
  normalized_uncached_input_tokens integer, normalized_total_input_tokens integer,
  normalized_cache_read_tokens integer, normalized_cache_creation_tokens integer,
  total_tokens integer not null default 0, latency_ms integer, ttft_ms integer, failed integer not null default 0,
  fail_status_code integer, fail_summary text, response_metadata_json text, header_quota_recover_at_ms integer,
  header_quota_used_percent real, header_quota_plan_type text, header_error_kind text, header_error_code text,
  header_trace_id text, fail_body text, raw_json text, created_at_ms integer not null);
create table settings (key text primary key, value text not null, updated_at_ms integer not null);
create table model_prices (model text primary key, prompt_per_1m real not null, completion_per_1m real not null,
  cache_per_1m real not null, cache_read_per_1m real not null default 0, cache_creation_per_1m real not null default 0,
  prompt_configured integer not null default 0, completion_configured integer not null default 0,
  cache_read_configured integer not null default 0, cache_creation_configured integer not null default 0,
  source text, source_model_id text, raw_json text, updated_at_ms integer not null, synced_at_ms integer);
create table model_price_context_tiers (model text not null, threshold_tokens integer not null,
  prompt_per_1m real not null default 0, completion_per_1m real not null default 0, cache_per_1m real not null default 0,
  cache_read_per_1m real not null default 0, cache_creation_per_1m real not null default 0,
  prompt_configured integer not null default 0, completion_configured integer not null default 0,
  cache_configured integer not null default 0, cache_read_configured integer not null default 0,
  cache_creation_configured integer not null default 0, primary key (model, threshold_tokens));
create table api_key_aliases (api_key_hash text primary key, alias text not null, updated_at_ms integer not null);
create table quota_cooldowns (id integer primary key autoincrement, auth_file_name text not null, auth_index text,
  account_snapshot text, provider text, reason_code text, window_kind text, evidence_json text,
  recover_at_ms integer not null, owner text not null, event_hash text, pre_disabled_state integer not null default 0,
  status text not null, disabled_at_ms integer not null, recovered_at_ms integer, last_error text,
  created_at_ms integer not null, updated_at_ms integer not null);
create table codex_inspection_disable_ownership (file_name text not null, provider text not null default '',
  auth_index text not null default '', account_id text not null default '', account_snapshot text not null default '',
  disabled_at_ms integer not null, updated_at_ms integer not null,
  primary key (file_name, provider, auth_index, account_id, account_snapshot));
create table dead_letter_events (id integer primary key autoincrement, payload text not null, error text not null,
  created_at_ms integer not null);
`;

/** Seals a secret as Plus does (enc:v1:<nonce>:<ciphertext+tag>, unpadded base64). */
export function plusProtect(dataKey: Buffer, plaintext: string): string {
  const key = Buffer.from(hkdfSync('sha256', dataKey, 'cpa-manager-plus', 'settings-secrets-v1', 32));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from('settings-secret'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  const raw = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `enc:v1:${raw(nonce)}:${raw(sealed)}`;
}

/** Plus's admin_credential_v1 value for a key (salted HMAC-SHA256, one iteration). */
export function plusAdminCredential(adminKey: string, createdAtMs: number): string {
  const salt = randomBytes(16);
  const raw = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  const keyHash = createHmac('sha256', salt).update(adminKey.trim()).digest();
  return JSON.stringify({
    version: 1,
    salt: raw(salt),
    keyHash: raw(keyHash),
    iterations: 1,
    createdAtMs,
    source: 'generated',
  });
}

export interface PlusDataDirOptions {
  Database: SqliteCtor;
  events?: number;
  adminKey?: string;
  cpaBaseUrl?: string;
  managementKey?: string;
  /** First event time (ms); events are one second apart. */
  startMs?: number;
  /** Leave the last events in the WAL (no checkpoint on close) — as a Plus that is still running or was killed. */
  keepWal?: boolean;
}

export interface PlusDataDir {
  dir: string;
  dbPath: string;
  dataKey: Buffer;
  adminKey: string;
  managementKey: string;
  /** Total tokens over every event. */
  totalTokens: number;
  apiKeyHash: string;
  /** With keepWal: closes the writer (which checkpoints); until then the last event is only in the WAL. */
  close?: () => void;
}

const MODELS = ['gpt-5', 'gpt-5-mini', 'claude-sonnet-4-5'] as const;

export function plusEventRow(i: number, startMs: number, apiKeyHash: string): unknown[] {
  const ts = startMs + i * 1000;
  const model = MODELS[i % MODELS.length]!;
  const input = 100 + (i % 50);
  const output = 20 + (i % 7);
  const cacheRead = i % 3 === 0 ? 40 : 0;
  const failed = i % 97 === 0 ? 1 : 0;
  return [
    `req-${i}`,
    `plus-${i.toString(16).padStart(12, '0')}`,
    ts,
    new Date(ts).toISOString(),
    i % 3 === 2 ? 'claude' : 'codex',
    'openai',
    model,
    '/v1/chat/completions',
    'POST',
    '/v1/chat/completions',
    `auth-${i % 5}`,
    apiKeyHash,
    `account${i % 5}@example.com`,
    model,
    model,
    input,
    output,
    cacheRead,
    cacheRead,
    input + output,
    300 + (i % 100),
    failed,
    failed ? 400 : null,
    ts,
  ];
}

const EVENT_INSERT = `insert into usage_events (request_id, event_hash, timestamp_ms, timestamp, provider, executor_type, model,
  endpoint, method, path, auth_index, api_key_hash, account_snapshot, requested_model, resolved_model, input_tokens,
  output_tokens, cached_tokens, cache_read_tokens, total_tokens, latency_ms, failed, fail_status_code, created_at_ms)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Writes a Plus-shaped data dir into `dir` (created): usage.sqlite, data.key, config.json. */
export function buildPlusDataDir(dir: string, opts: PlusDataDirOptions): PlusDataDir {
  mkdirSync(dir, { recursive: true });
  const dataKey = randomBytes(32);
  writeFileSync(join(dir, 'data.key'), `${dataKey.toString('base64').replace(/=+$/, '')}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'config.json'), '{}\n');
  const adminKey = opts.adminKey ?? `cpamp_${randomBytes(16).toString('hex')}`;
  const managementKey = opts.managementKey ?? 'mgmt-secret-123';
  const cpaBaseUrl = opts.cpaBaseUrl ?? 'http://127.0.0.1:8317';
  const apiKeyHash = 'c3d084b6952a4948b387d27ea14d1dd9f56e2870b1d8aba4d6177e215244d694';
  const startMs = opts.startMs ?? Date.UTC(2026, 10, 1);
  const dbPath = join(dir, 'usage.sqlite');
  const db = new opts.Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.exec(PLUS_SCHEMA);
  const now = startMs;
  const setting = db.prepare('insert into settings(key, value, updated_at_ms) values (?, ?, ?)');
  setting.run('admin_credential_v1', plusAdminCredential(adminKey, now), now);
  setting.run(
    'manager_config_v1',
    JSON.stringify({
      cpaConnection: { cpaBaseUrl, managementKey: plusProtect(dataKey, managementKey) },
      collector: {
        enabled: true,
        collectorMode: 'http',
        queue: 'usage',
        popSide: 'right',
        batchSize: 100,
        pollIntervalMs: 500,
        queryLimit: 50000,
      },
      codexInspection: {
        enabled: true,
        schedule: { mode: 'interval', intervalMinutes: 45 },
        targetTypes: ['codex'],
        workers: 3,
        usedPercentThreshold: 100,
        autoActionMode: 'none',
      },
      externalUsageService: { enabled: false },
      updatedAtMs: now,
    }),
    now,
  );
  setting.run(
    'automation_settings_v1',
    JSON.stringify({
      codexQuotaCooldownEnabled: true,
      authIssueQueueEnabled: true,
      authIssueAutoDisableEnabled: false,
      updatedAtMs: now,
    }),
    now,
  );
  db.prepare(
    `insert into model_prices (model, prompt_per_1m, completion_per_1m, cache_per_1m, cache_read_per_1m, prompt_configured,
      completion_configured, cache_read_configured, source, updated_at_ms) values ('gpt-5', 1.25, 10, 0, 0.125, 1, 1, 1, 'manual', ?)`,
  ).run(now);
  db.prepare(
    `insert into model_price_context_tiers (model, threshold_tokens, prompt_per_1m, completion_per_1m, prompt_configured, completion_configured)
      values ('gpt-5', 200000, 2.5, 15, 1, 1)`,
  ).run();
  db.prepare('insert into api_key_aliases values (?, ?, ?)').run(apiKeyHash, 'team-a', now);
  db.prepare(
    `insert into quota_cooldowns (auth_file_name, auth_index, account_snapshot, provider, reason_code, window_kind, recover_at_ms,
      owner, status, disabled_at_ms, created_at_ms, updated_at_ms) values ('codex-a.json', 'auth-1', 'account1@example.com', 'codex',
      'usage_limit_reached', 'weekly', ?, 'cpa-manager-plus', 'active', ?, ?, ?)`,
  ).run(now + 86_400_000, now, now, now);
  db.prepare(
    `insert into codex_inspection_disable_ownership (file_name, provider, auth_index, disabled_at_ms, updated_at_ms)
      values ('codex-b.json', 'codex', 'auth-2', ?, ?)`,
  ).run(now, now);
  const events = opts.events ?? 0;
  const insert = db.prepare(EVENT_INSERT);
  let totalTokens = 0;
  const chunk = 10_000;
  for (let from = 0; from < events; from += chunk) {
    db.transaction(() => {
      for (let i = from; i < Math.min(events, from + chunk); i += 1) {
        const row = plusEventRow(i, startMs, apiKeyHash);
        totalTokens += row[19] as number;
        insert.run(...row);
      }
    })();
  }
  // Without a checkpoint, and with the auto-checkpoint off, the rows stay in usage.sqlite-wal as after a kill.
  if (opts.keepWal) {
    db.pragma('wal_autocheckpoint = 0');
    const extra = db.prepare(EVENT_INSERT);
    const row = plusEventRow(events, startMs, apiKeyHash);
    extra.run(...row);
    totalTokens += row[19] as number;
    return {
      dir,
      dbPath,
      dataKey,
      adminKey,
      managementKey,
      totalTokens,
      apiKeyHash,
      close: () => void db.close(),
    };
  }
  db.close();
  return { dir, dbPath, dataKey, adminKey, managementKey, totalTokens, apiKeyHash };
}
