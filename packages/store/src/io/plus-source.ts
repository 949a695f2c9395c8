// What a CPA Manager Plus usage.sqlite holds besides usage events: the saved CPA connection (management key
// sealed with Plus's data key), the account-processing policy, the inspection settings, prices, API-key
// aliases, the cooldowns and disables Plus owns, and the admin credential. Read from a copy the caller owns
// (never Plus's own file: opening a WAL database writes its -shm); a table that cannot be read is named.
import Database from 'better-sqlite3';
import { StoreError } from '../errors';
import { plusUnprotect } from '../crypto/plus-secret';

export interface PlusCollectorSettings {
  enabled?: boolean;
  collectorMode?: string;
  queue?: string;
  popSide?: string;
  batchSize?: number;
  pollIntervalMs?: number;
  tlsSkipVerify?: boolean;
}

export interface PlusConnection {
  cpaBaseUrl: string;
  /** Decrypted; null when none was saved. */
  managementKey: string | null;
  collector: PlusCollectorSettings;
}

export interface PlusPrice {
  model: string;
  prompt: number | null;
  completion: number | null;
  cacheRead: number | null;
  cacheCreation: number | null;
  /** Rates above Plus's 200k-token context tier, when one is set. */
  above200k: {
    prompt: number | null;
    completion: number | null;
    cacheRead: number | null;
    cacheCreation: number | null;
  } | null;
  source: string | null;
}

export interface PlusOwnedDisable {
  kind: 'quota' | 'auth-issue';
  authIndex: string;
  fileName: string;
  provider: string;
  reason: string;
  window: string | null;
  disabledAtMs: number;
  recoverAtMs: number | null;
}

export interface PlusAdminCredential {
  salt: string;
  keyHash: string;
  iterations: number;
  createdAtMs: number;
}

export interface PlusSource {
  connection: PlusConnection | null;
  /** automation_settings_v1 as Plus stored it (codexQuotaCooldownEnabled, authIssueQueueEnabled, …). */
  automation: Record<string, unknown> | null;
  /** manager_config_v1's codexInspection block as Plus stored it. */
  codexInspection: Record<string, unknown> | null;
  adminCredential: PlusAdminCredential | null;
  prices: PlusPrice[];
  aliases: { apiKeyHash: string; alias: string }[];
  ownedDisables: PlusOwnedDisable[];
  eventCount: number;
  /** The newest event's time (ms), 0 without events: what was collected after the switch is newer. */
  lastEventMs: number;
}

type Row = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function tablesOf(db: Database.Database): Set<string> {
  return new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
}

function readTable<T>(path: string, table: string, read: () => T): T {
  try {
    return read();
  } catch (cause) {
    throw new StoreError(
      'import_source_invalid',
      `The CPA Manager Plus database ${path} is damaged: table "${table}" cannot be read (${(cause as Error).message}). ` +
        'Nothing was migrated. Restore a good copy of usage.sqlite (with its -wal file) or run Plus once so it repairs it.',
      { cause },
    );
  }
}

function json(path: string, key: string, raw: string | undefined): Record<string, unknown> | null {
  if (raw === undefined) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch (cause) {
    throw new StoreError(
      'import_source_invalid',
      `The CPA Manager Plus database ${path} is damaged: table "settings", key "${key}" is not JSON.`,
      { cause },
    );
  }
}

/** A rate is carried when Plus marked it configured, or (older rows without the flag) when it is not zero. */
function rate(row: Row, column: string, flag: string | null): number | null {
  const v = num(row[column]);
  if (v === null) return null;
  if (flag !== null && row[flag] === 1) return v;
  return v > 0 ? v : null;
}

function secret(path: string, dataKey: Buffer | null, sealed: string): string | null {
  if (sealed.trim() === '') return null;
  if (dataKey === null) {
    throw new StoreError(
      'data_key_mismatch',
      `The saved CPA connection in ${path} is encrypted, and no CPA Manager Plus data key was found. Set CPA_MANAGER_DATA_KEY(_FILE) or CPA_MANAGER_DATA_KEY_PATH as Plus had them.`,
    );
  }
  const plain = plusUnprotect(dataKey, sealed);
  if (plain === null) {
    throw new StoreError(
      'data_key_mismatch',
      `The saved CPA connection in ${path} does not decrypt with the data key given. Start cpamp with the same CPA_MANAGER_DATA_KEY / CPA_MANAGER_DATA_KEY_FILE / CPA_MANAGER_DATA_KEY_PATH that Plus used (Plus's data.key sits next to usage.sqlite by default).`,
    );
  }
  return plain;
}

function connectionOf(
  path: string,
  dataKey: Buffer | null,
  settings: Map<string, string>,
): PlusConnection | null {
  const cfg = json(path, 'manager_config_v1', settings.get('manager_config_v1'));
  const conn = cfg?.cpaConnection as Row | undefined;
  if (conn && str(conn.cpaBaseUrl) !== '') {
    const c = (cfg?.collector ?? {}) as Row;
    return {
      cpaBaseUrl: str(conn.cpaBaseUrl),
      managementKey: secret(path, dataKey, str(conn.managementKey)),
      collector: {
        ...(typeof c.enabled === 'boolean' ? { enabled: c.enabled } : {}),
        ...(str(c.collectorMode) ? { collectorMode: str(c.collectorMode) } : {}),
        ...(str(c.queue) ? { queue: str(c.queue) } : {}),
        ...(str(c.popSide) ? { popSide: str(c.popSide) } : {}),
        ...(num(c.batchSize) ? { batchSize: num(c.batchSize) as number } : {}),
        ...(num(c.pollIntervalMs) ? { pollIntervalMs: num(c.pollIntervalMs) as number } : {}),
        ...(c.tlsSkipVerify === true ? { tlsSkipVerify: true } : {}),
      },
    };
  }
  // Before manager_config_v1, Plus kept the connection under "setup".
  const setup = json(path, 'setup', settings.get('setup'));
  if (setup && str(setup.cpaBaseUrl) !== '') {
    return {
      cpaBaseUrl: str(setup.cpaBaseUrl),
      managementKey: secret(path, dataKey, str(setup.managementKey)),
      collector: {
        ...(str(setup.queue) ? { queue: str(setup.queue) } : {}),
        ...(str(setup.popSide) ? { popSide: str(setup.popSide) } : {}),
      },
    };
  }
  return null;
}

function pricesOf(db: Database.Database, path: string, tables: Set<string>): PlusPrice[] {
  if (!tables.has('model_prices')) return [];
  const tiers = new Map<string, Row>();
  if (tables.has('model_price_context_tiers')) {
    readTable(path, 'model_price_context_tiers', () => {
      for (const row of db
        .prepare('SELECT * FROM model_price_context_tiers WHERE threshold_tokens = 200000')
        .all() as Row[])
        tiers.set(str(row.model), row);
    });
  }
  return readTable(path, 'model_prices', () =>
    (db.prepare('SELECT * FROM model_prices ORDER BY model').all() as Row[]).map((row) => {
      const tier = tiers.get(str(row.model));
      const cacheRead =
        rate(row, 'cache_read_per_1m', 'cache_read_configured') ?? rate(row, 'cache_per_1m', null);
      return {
        model: str(row.model),
        prompt: rate(row, 'prompt_per_1m', 'prompt_configured'),
        completion: rate(row, 'completion_per_1m', 'completion_configured'),
        cacheRead,
        cacheCreation: rate(row, 'cache_creation_per_1m', 'cache_creation_configured'),
        above200k: tier
          ? {
              prompt: rate(tier, 'prompt_per_1m', 'prompt_configured'),
              completion: rate(tier, 'completion_per_1m', 'completion_configured'),
              cacheRead:
                rate(tier, 'cache_read_per_1m', 'cache_read_configured') ??
                rate(tier, 'cache_per_1m', 'cache_configured'),
              cacheCreation: rate(tier, 'cache_creation_per_1m', 'cache_creation_configured'),
            }
          : null,
        source: typeof row.source === 'string' ? row.source : null,
      };
    }),
  );
}

function ownedDisablesOf(db: Database.Database, path: string, tables: Set<string>): PlusOwnedDisable[] {
  const out: PlusOwnedDisable[] = [];
  if (tables.has('quota_cooldowns')) {
    readTable(path, 'quota_cooldowns', () => {
      // Only what Plus disabled and has not restored yet is still Plus's to restore.
      const rows = db
        .prepare("SELECT * FROM quota_cooldowns WHERE status = 'active' ORDER BY id")
        .all() as Row[];
      for (const row of rows) {
        out.push({
          kind: 'quota',
          authIndex: str(row.auth_index) || str(row.auth_file_name),
          fileName: str(row.auth_file_name),
          provider: str(row.provider),
          reason: str(row.reason_code) || 'quota cooldown (CPA Manager Plus)',
          window: str(row.window_kind) || null,
          disabledAtMs: num(row.disabled_at_ms) ?? 0,
          recoverAtMs: num(row.recover_at_ms),
        });
      }
    });
  }
  if (tables.has('codex_inspection_disable_ownership')) {
    readTable(path, 'codex_inspection_disable_ownership', () => {
      for (const row of db.prepare('SELECT * FROM codex_inspection_disable_ownership').all() as Row[]) {
        out.push({
          kind: 'auth-issue',
          authIndex: str(row.auth_index) || str(row.file_name),
          fileName: str(row.file_name),
          provider: str(row.provider),
          reason: 'disabled by a CPA Manager Plus inspection',
          window: null,
          disabledAtMs: num(row.disabled_at_ms) ?? 0,
          recoverAtMs: null,
        });
      }
    });
  }
  return out;
}

/**
 * Reads everything but the events from a Plus usage.sqlite (a copy). `dataKey` is Plus's key (as Plus derived
 * it), or null when none is known; it is needed only when a connection was saved.
 */
export function readPlusSource(copyPath: string, dataKey: Buffer | null, path = copyPath): PlusSource {
  let db: Database.Database;
  try {
    db = new Database(copyPath, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw new StoreError(
      'import_source_invalid',
      `Cannot open the CPA Manager Plus database ${path}: ${(cause as Error).message}.`,
      { cause },
    );
  }
  try {
    db.pragma('trusted_schema = OFF');
    const tables = readTable(path, 'sqlite_master', () => tablesOf(db));
    if (!tables.has('usage_events')) {
      throw new StoreError(
        'import_source_invalid',
        `${path} has no table "usage_events": it is not a complete CPA Manager Plus database (a partial copy?). Nothing was migrated.`,
      );
    }
    // CPA-Manager (before Plus) kept no settings table: then only the events carry over.
    const settings = new Map<string, string>();
    if (tables.has('settings'))
      readTable(path, 'settings', () => {
        for (const row of db.prepare('SELECT key, value FROM settings').all() as {
          key: string;
          value: string;
        }[])
          settings.set(row.key, row.value);
      });
    const managerConfig = json(path, 'manager_config_v1', settings.get('manager_config_v1'));
    const admin = json(path, 'admin_credential_v1', settings.get('admin_credential_v1'));
    const eventCount = readTable(
      path,
      'usage_events',
      () => db.prepare('SELECT count(*) FROM usage_events').pluck().get() as number,
    );
    const lastEventMs = readTable(
      path,
      'usage_events',
      () => (db.prepare('SELECT max(timestamp_ms) FROM usage_events').pluck().get() as number | null) ?? 0,
    );
    return {
      connection: connectionOf(path, dataKey, settings),
      automation: json(path, 'automation_settings_v1', settings.get('automation_settings_v1')),
      codexInspection: (managerConfig?.codexInspection as Record<string, unknown> | undefined) ?? null,
      adminCredential:
        admin && str(admin.salt) && str(admin.keyHash)
          ? {
              salt: str(admin.salt),
              keyHash: str(admin.keyHash),
              iterations: num(admin.iterations) ?? 1,
              createdAtMs: num(admin.createdAtMs) ?? 0,
            }
          : null,
      prices: pricesOf(db, path, tables),
      aliases: tables.has('api_key_aliases')
        ? readTable(path, 'api_key_aliases', () =>
            (
              db
                .prepare('SELECT api_key_hash, alias FROM api_key_aliases ORDER BY api_key_hash')
                .all() as Row[]
            ).map((r) => ({ apiKeyHash: str(r.api_key_hash), alias: str(r.alias) })),
          )
        : [],
      ownedDisables: ownedDisablesOf(db, path, tables),
      eventCount,
      lastEventMs,
    };
  } finally {
    db.close();
  }
}
