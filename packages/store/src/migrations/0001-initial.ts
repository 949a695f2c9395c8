import { ddlMigration, INITIAL_TABLES } from './migration-steps';

// Dictionary tables hold every repeating string once; `events` holds small integers only.
const statements = [
  `CREATE TABLE model (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE provider (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE endpoint (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE client_ip (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE user_agent (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  // Small free-form strings (executor type, auth type, source label, effort, tiers).
  `CREATE TABLE label (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE api_key (
     id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL DEFAULT '',
     alias TEXT, alias_updated_ms INTEGER)`,
  `CREATE TABLE account (
     id INTEGER PRIMARY KEY, auth_index TEXT NOT NULL UNIQUE,
     email TEXT, project_id TEXT, plan TEXT, file_name TEXT, provider TEXT, label TEXT,
     first_seen_ms INTEGER, last_seen_ms INTEGER, snapshot_ms INTEGER, deleted_ms INTEGER)`,
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     ts INTEGER NOT NULL,
     dedup BLOB NOT NULL,
     req INTEGER, req_text TEXT,
     key_id INTEGER NOT NULL, account_id INTEGER NOT NULL, model_id INTEGER NOT NULL,
     alias_id INTEGER NOT NULL, provider_id INTEGER NOT NULL, endpoint_id INTEGER NOT NULL,
     executor_id INTEGER NOT NULL, auth_type_id INTEGER NOT NULL, source_id INTEGER NOT NULL,
     ip_id INTEGER NOT NULL, ua_id INTEGER NOT NULL,
     effort_id INTEGER NOT NULL, tier_id INTEGER NOT NULL, resp_tier_id INTEGER NOT NULL,
     status INTEGER NOT NULL, flags INTEGER NOT NULL,
     latency INTEGER NOT NULL, ttft INTEGER NOT NULL, lat_bucket INTEGER NOT NULL,
     input INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_creation INTEGER NOT NULL,
     output INTEGER NOT NULL, reasoning INTEGER NOT NULL, unclassified INTEGER NOT NULL,
     cost INTEGER, price_ver INTEGER NOT NULL)`,
  `CREATE UNIQUE INDEX events_dedup ON events(dedup)`,
  `CREATE INDEX events_ts ON events(ts)`,
  // No per-dimension indexes: each one costs ~15 bytes/event and halves ingest speed (random
  // pages per commit). Filtered lists and views are served by the column cache instead.
  `CREATE INDEX events_req_text ON events(req_text) WHERE req_text IS NOT NULL`,
  // Rarely present payloads live beside the row, not in it.
  `CREATE TABLE event_extra (event_id INTEGER PRIMARY KEY, fail_body TEXT, headers TEXT)`,
  // Hourly rollup over the low-cardinality dimensions (model, provider, status class).
  `CREATE TABLE rollup_hour (
     hour INTEGER NOT NULL, model_id INTEGER NOT NULL, provider_id INTEGER NOT NULL, sclass INTEGER NOT NULL,
     n INTEGER NOT NULL, failures INTEGER NOT NULL,
     input INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_creation INTEGER NOT NULL,
     output INTEGER NOT NULL, reasoning INTEGER NOT NULL, unclassified INTEGER NOT NULL,
     cost INTEGER NOT NULL, unpriced INTEGER NOT NULL, latency_sum INTEGER NOT NULL, last_ts INTEGER NOT NULL,
     PRIMARY KEY (hour, model_id, provider_id, sclass)) WITHOUT ROWID`,
  // Log-bucket latency histogram per hour and model: percentiles merge from it.
  `CREATE TABLE rollup_hour_latency (
     hour INTEGER NOT NULL, model_id INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL,
     PRIMARY KEY (hour, model_id, bucket)) WITHOUT ROWID`,
  // Daily (UTC) rollups per key and per account: long-range breakdowns and history after retention.
  `CREATE TABLE rollup_day_key (
     day INTEGER NOT NULL, key_id INTEGER NOT NULL, sclass INTEGER NOT NULL,
     n INTEGER NOT NULL, failures INTEGER NOT NULL,
     input INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_creation INTEGER NOT NULL,
     output INTEGER NOT NULL, reasoning INTEGER NOT NULL, unclassified INTEGER NOT NULL,
     cost INTEGER NOT NULL, unpriced INTEGER NOT NULL, latency_sum INTEGER NOT NULL, last_ts INTEGER NOT NULL,
     PRIMARY KEY (day, key_id, sclass)) WITHOUT ROWID`,
  `CREATE TABLE rollup_day_account (
     day INTEGER NOT NULL, account_id INTEGER NOT NULL, sclass INTEGER NOT NULL,
     n INTEGER NOT NULL, failures INTEGER NOT NULL,
     input INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_creation INTEGER NOT NULL,
     output INTEGER NOT NULL, reasoning INTEGER NOT NULL, unclassified INTEGER NOT NULL,
     cost INTEGER NOT NULL, unpriced INTEGER NOT NULL, latency_sum INTEGER NOT NULL, last_ts INTEGER NOT NULL,
     PRIMARY KEY (day, account_id, sclass)) WITHOUT ROWID`,
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL)`,
  // Prices in USD per 1M tokens; NULL = not configured (inherit / fall back), never 0 by accident.
  `CREATE TABLE model_price (
     model TEXT PRIMARY KEY,
     input REAL, output REAL, cache_read REAL, cache_creation REAL, reasoning REAL,
     input_above_200k REAL, output_above_200k REAL, cache_read_above_200k REAL, cache_creation_above_200k REAL,
     priority_multiplier REAL, flex_multiplier REAL, batch_multiplier REAL,
     tier_prices TEXT, per_request_fee REAL,
     source TEXT NOT NULL, source_model_id TEXT, manual INTEGER NOT NULL DEFAULT 0, updated_ms INTEGER NOT NULL)`,
  `CREATE TABLE price_version (id INTEGER PRIMARY KEY, created_ms INTEGER NOT NULL, reason TEXT NOT NULL, prices TEXT NOT NULL)`,
  `CREATE TABLE import_checkpoint (
     key TEXT PRIMARY KEY, position INTEGER NOT NULL, inserted INTEGER NOT NULL, duplicates INTEGER NOT NULL,
     updated_ms INTEGER NOT NULL)`,
];

export const { up, down } = ddlMigration(statements, [...INITIAL_TABLES, 'import_checkpoint']);
