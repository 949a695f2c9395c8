// Start in place on a CPA Manager Plus data directory. The first start copies Plus's usage.sqlite (and its
// -wal, so rows not yet checkpointed are seen) into a scratch folder, migrates every event and the settings
// Plus kept into a temporary cpamp database, and renames it to cpamp's file at the end; Plus's own files are
// only read, so the user can go back to Plus. A later start finds cpamp's file and does nothing here.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { normalizeRecord } from '@cpamp/collector';
import {
  derivePlusDataKey,
  isStoreError,
  openStore,
  StoreError,
  parseDataKey,
  readPlusSource,
  type ImportProgress,
  type PlusSource,
  type Store,
  type StoreLogger,
} from '@cpamp/store';
import type { CollectorSettings } from '../connection';
import { MANAGER_CONFIG_KEY } from '../connection';
import type { Config } from '../config';
import { redactDbUrl } from '../config/db-url';
import type { ServerStore } from '../server-store';
import { ServerError } from '../errors';
import { writePlusCredential } from '../security/admin-credential';
import { isPlusDatabase, plusLockHeld, PLUS_LOCK_SUFFIX } from './plus-files';
import { detectPlusSideBySide, type PlusSideBySide } from './plus-side-by-side';

/** Where the first start reads Plus's data from and writes cpamp's database to. */
export interface PlusSwitchPlan {
  source: string;
  target: string;
}

export interface PlusMigrationReport {
  source: string;
  target: string;
  events: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  prices: number;
  aliases: number;
  ownedDisables: number;
  connection: boolean;
  adminCredential: boolean;
  /** Plus's newest event (ms): `export --format plus` starts after it, as Plus has everything up to there. */
  lastEventMs: number;
  durationMs: number;
}

/** The settings key that records the switch (read by /status and the doctor). */
export const PLUS_MIGRATION_KEY = 'plus.migration';
/** Plus's own blobs, kept as they were for the Plus-compatible routes. */
export const PLUS_AUTOMATION_KEY = 'plus.automation_settings_v1';
export const PLUS_INSPECTION_KEY = 'plus.codex_inspection_v1';
const POLICY_KEY = 'pool.policy_overrides';
const PROGRESS_EVERY = 100_000;

/**
 * cpamp's database path for this config, and the Plus database to migrate from when cpamp's does not exist yet:
 * USAGE_DB_PATH / dbPath naming a Plus database (Plus's compose sets /data/usage.sqlite) is the source, and so
 * is `<dataDir>/usage.sqlite`; cpamp's own file is then `<dataDir>/cpamp.sqlite`.
 */
export function planPlusSwitch(config: Config): { dbPath: string; plan: PlusSwitchPlan | null } {
  // On Postgres no SQLite file is made: `cpamp migrate-from-plus <usage.sqlite>` writes Plus's data into it.
  if (config.dbUrl !== null) return { dbPath: config.dbPath, plan: null };
  const own = join(config.dataDir, 'cpamp.sqlite');
  if (isPlusDatabase(config.dbPath)) {
    const target = config.dbPath === own ? join(config.dataDir, 'cpamp-own.sqlite') : own;
    return { dbPath: target, plan: existsSync(target) ? null : { source: config.dbPath, target } };
  }
  const beside = join(config.dataDir, 'usage.sqlite');
  if (config.dbPath === own && !existsSync(own) && isPlusDatabase(beside))
    return { dbPath: own, plan: { source: beside, target: own } };
  return { dbPath: config.dbPath, plan: null };
}

/**
 * Plus's data key exactly as Plus would load it: the env value (derived), else its data.key file — the
 * configured path, or (for `cpamp migrate-from-plus <path>`) the data.key next to Plus's database.
 */
export function plusDataKey(config: Config, sourceDb?: string): Buffer | null {
  if (config.dataKey !== null) return derivePlusDataKey(config.dataKey);
  const paths = [...(sourceDb ? [join(dirname(sourceDb), 'data.key')] : []), config.dataKeyPath];
  const found = paths.find((p) => existsSync(p));
  return found ? parseDataKey(readFileSync(found), found, true) : null;
}

function removeDb(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(p, { force: true });
}

const COLLECTOR_MODES = new Set(['auto', 'http', 'resp', 'subscribe', 'resp-pop']);

function collectorOf(plus: NonNullable<PlusSource['connection']>['collector']): Partial<CollectorSettings> {
  return {
    ...(plus.enabled !== undefined ? { enabled: plus.enabled } : {}),
    ...(plus.collectorMode && COLLECTOR_MODES.has(plus.collectorMode)
      ? { mode: plus.collectorMode as CollectorSettings['mode'] }
      : {}),
    ...(plus.queue ? { queue: plus.queue } : {}),
    ...(plus.popSide === 'left' || plus.popSide === 'right' ? { popSide: plus.popSide } : {}),
    ...(plus.batchSize ? { batchSize: plus.batchSize } : {}),
    ...(plus.pollIntervalMs ? { pollIntervalMs: plus.pollIntervalMs } : {}),
    ...(plus.tlsSkipVerify ? { tlsSkipVerify: true } : {}),
  };
}

/** Plus's automation toggles and inspection schedule → cpamp's pool policy overrides (what Plus's UI had saved). */
function policyOf(source: PlusSource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const a = source.automation ?? {};
  if (typeof a.codexQuotaCooldownEnabled === 'boolean')
    out.autoDisableOnExhaustion = a.codexQuotaCooldownEnabled;
  if (typeof a.authIssueQueueEnabled === 'boolean') out.authIssueQueue = a.authIssueQueueEnabled;
  if (typeof a.authIssueAutoDisableEnabled === 'boolean')
    out.autoDisableAuthIssues = a.authIssueAutoDisableEnabled;
  const i = source.codexInspection;
  if (i) {
    const schedule = (i.schedule ?? {}) as Record<string, unknown>;
    const interval = typeof schedule.intervalMinutes === 'number' ? Math.round(schedule.intervalMinutes) : 0;
    if (typeof i.enabled === 'boolean')
      out.inspectionIntervalMinutes =
        i.enabled && schedule.mode !== 'manual' ? Math.min(Math.max(interval, 0), 10_080) : 0;
    if (typeof i.workers === 'number' && i.workers >= 1)
      out.inspectionConcurrency = Math.min(Math.round(i.workers), 64);
    const targets = Array.isArray(i.targetTypes)
      ? i.targetTypes
      : typeof i.targetType === 'string'
        ? [i.targetType]
        : [];
    const providers = targets
      .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
      .slice(0, 20);
    if (providers.length > 0) out.inspectionProviders = providers;
  }
  return out;
}

/** With `onlyMissing` (an existing cpamp database), what cpamp already has is kept. */
async function carrySettings(
  store: ServerStore,
  source: PlusSource,
  now: number,
  onlyMissing = false,
): Promise<void> {
  const known = onlyMissing ? new Set((await store.prices.list()).map((p) => p.model)) : new Set<string>();
  for (const p of source.prices) {
    if (known.has(p.model)) continue;
    await store.prices.set(p.model, {
      input: p.prompt,
      output: p.completion,
      cacheRead: p.cacheRead,
      cacheCreation: p.cacheCreation,
      ...(p.above200k
        ? {
            inputAbove200k: p.above200k.prompt,
            outputAbove200k: p.above200k.completion,
            cacheReadAbove200k: p.above200k.cacheRead,
            cacheCreationAbove200k: p.above200k.cacheCreation,
          }
        : {}),
    });
  }
  const aliased = onlyMissing
    ? new Set((await store.apiKeys.list()).filter((k) => k.alias).map((k) => k.hash))
    : new Set<string>();
  for (const a of source.aliases) {
    const hash = a.apiKeyHash.toLowerCase();
    if (/^[0-9a-f]{64}$/.test(hash) && a.alias.trim() !== '' && !aliased.has(hash))
      await store.apiKeys.setAlias(hash, a.alias.trim());
  }
  if (onlyMissing && (await store.settings.get(MANAGER_CONFIG_KEY)) !== undefined) {
    // cpamp already has a saved connection: keep it.
  } else if (source.connection) {
    await store.settings.set(MANAGER_CONFIG_KEY, {
      cpaBaseUrl: source.connection.cpaBaseUrl,
      collector: collectorOf(source.connection.collector),
      updatedAtMs: now,
    });
    if (source.connection.managementKey !== null)
      await store.settings.setManagementKey(source.connection.managementKey);
  }
  const policy = policyOf(source);
  if (
    Object.keys(policy).length > 0 &&
    !(onlyMissing && (await store.settings.get(POLICY_KEY)) !== undefined)
  )
    await store.settings.set(POLICY_KEY, policy);
  if (source.automation) await store.settings.set(PLUS_AUTOMATION_KEY, source.automation);
  if (source.codexInspection) await store.settings.set(PLUS_INSPECTION_KEY, source.codexInspection);
  for (const d of source.ownedDisables) {
    if (d.authIndex === '' || (onlyMissing && (await store.pool.getOwnership(d.authIndex)) !== undefined))
      continue;
    await store.pool.setOwnership({
      authIndex: d.authIndex,
      fileName: d.fileName || null,
      provider: d.provider,
      kind: d.kind,
      reason: d.reason,
      window: d.window,
      disabledAtMs: d.disabledAtMs,
      recoverAtMs: d.recoverAtMs,
    });
  }
}

/** Copies Plus's database and its WAL into `scratch` (SQLite writes the -shm of any database it opens). */
function copySource(source: string, scratch: string): string {
  mkdirSync(scratch, { recursive: true, mode: 0o700 });
  const copy = join(scratch, 'usage.sqlite');
  copyFileSync(source, copy);
  if (existsSync(`${source}-wal`)) copyFileSync(`${source}-wal`, `${copy}-wal`);
  return copy;
}

/** A page of usage_events that SQLite cannot read (a damaged file) is reported naming the table. */
async function readEvents<T>(source: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isStoreError(error)) throw error;
    throw new StoreError(
      'import_source_invalid',
      `The CPA Manager Plus database ${source} is damaged: table "usage_events" cannot be read (${(error as Error).message}). Nothing was migrated. Restore a good copy of usage.sqlite (with its -wal file) or run Plus once so it repairs it.`,
      { cause: error },
    );
  }
}

function assertPlusStopped(source: string): void {
  if (plusLockHeld(source)) {
    throw new ServerError(
      'data_dir_locked',
      `CPA Manager Plus is still running on ${source} (it holds ${source}${PLUS_LOCK_SUFFIX}). Stop Plus, then start cpamp again: the first start copies Plus's data, and Plus's files stay as they are.`,
    );
  }
}

/**
 * `cpamp migrate-from-plus` into a cpamp database that already exists: the events (duplicates skipped) and,
 * where cpamp has none yet, the prices, aliases, connection, policy and owned disables.
 */
export async function migratePlusInto(
  store: ServerStore,
  config: Config,
  sourcePath: string,
  opts: MigratePlusOptions,
): Promise<PlusMigrationReport> {
  const started = opts.now();
  assertPlusStopped(sourcePath);
  const scratch = join(config.dataDir, '.cpamp-plus-migration');
  rmSync(scratch, { recursive: true, force: true });
  try {
    const copy = copySource(sourcePath, scratch);
    const source = readPlusSource(copy, plusDataKey(config, sourcePath), sourcePath);
    const report = await readEvents(sourcePath, () =>
      store.io.importSqlite(copy, {
        normalize: normalizeRecord,
        chunkSize: 5000,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      }),
    );
    await carrySettings(store, source, opts.now(), true);
    const previous = await store.settings.get<{ lastEventMs?: number }>(PLUS_MIGRATION_KEY);
    const result: PlusMigrationReport = {
      source: sourcePath,
      target: config.dbUrl !== null ? redactDbUrl(config.dbUrl) : config.dbPath,
      events: report.read,
      inserted: report.inserted,
      duplicates: report.duplicates,
      rejected: report.rejected,
      prices: source.prices.length,
      aliases: source.aliases.length,
      ownedDisables: source.ownedDisables.length,
      connection: source.connection !== null,
      adminCredential: source.adminCredential !== null,
      lastEventMs: Math.max(source.lastEventMs, previous?.lastEventMs ?? 0),
      durationMs: opts.now() - started,
    };
    await store.settings.set(PLUS_MIGRATION_KEY, { ...result, atMs: opts.now() });
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface MigratePlusOptions {
  logger: StoreLogger;
  /** One human line per 100k events and at the end. */
  progress: (line: string) => void;
  now: () => number;
  /** `cpamp migrate-from-plus`: Plus's data.key is the one next to its database, not the data dir's. */
  keyBesideSource?: boolean;
  /** Per-chunk progress of the event import (the CLI's progress line). */
  onProgress?: (p: ImportProgress) => void;
}

/**
 * Migrates Plus's data dir into `plan.target`. Throws (leaving no target file) when Plus is running, when the
 * Plus database is damaged or partial (the error names the table), or when its secrets do not decrypt.
 */
export async function migratePlus(
  config: Config,
  plan: PlusSwitchPlan,
  opts: MigratePlusOptions,
): Promise<PlusMigrationReport> {
  const started = opts.now();
  assertPlusStopped(plan.source);
  const scratch = join(dirname(plan.target), '.cpamp-plus-migration');
  const tmpTarget = `${plan.target}.plus-migration.tmp`;
  rmSync(scratch, { recursive: true, force: true });
  removeDb(tmpTarget);
  let store: Store | null = null;
  try {
    const copy = copySource(plan.source, scratch);
    const source = readPlusSource(
      copy,
      plusDataKey(config, opts.keyBesideSource ? plan.source : undefined),
      plan.source,
    );
    opts.progress(
      `cpamp: migrating CPA Manager Plus data from ${plan.source}: ${source.eventCount} events, ${source.prices.length} prices, ${source.aliases.length} aliases${source.connection ? ', the saved CPA connection' : ''}`,
    );
    store = await openStore({
      path: tmpTarget,
      ...(config.dataKey !== null ? { dataKey: config.dataKey } : { dataKeyPath: config.dataKeyPath }),
      logger: opts.logger,
      now: opts.now,
      // A one-off bulk write: no analytics are served from this handle, so no column cache or snapshot.
      columnCache: false,
      cacheSnapshot: false,
    });
    let nextLine = PROGRESS_EVERY;
    const target = store;
    const report = await readEvents(plan.source, () =>
      target.io.importSqlite(copy, {
        normalize: normalizeRecord,
        chunkSize: 5000,
        onProgress: (p) => {
          opts.onProgress?.(p);
          while (p.read >= nextLine) {
            opts.progress(`cpamp: migrated ${nextLine} of ${source.eventCount} events`);
            nextLine += PROGRESS_EVERY;
          }
        },
      }),
    );
    await carrySettings(store, source, opts.now());
    const result: PlusMigrationReport = {
      source: plan.source,
      target: plan.target,
      events: report.read,
      inserted: report.inserted,
      duplicates: report.duplicates,
      rejected: report.rejected,
      prices: source.prices.length,
      aliases: source.aliases.length,
      ownedDisables: source.ownedDisables.length,
      connection: source.connection !== null,
      adminCredential: source.adminCredential !== null,
      lastEventMs: source.lastEventMs,
      durationMs: 0,
    };
    result.durationMs = opts.now() - started;
    await store.settings.set(PLUS_MIGRATION_KEY, { ...result, atMs: opts.now() });
    await store.maintenance.checkpoint('TRUNCATE');
    await store.close();
    store = null;
    // Everything is in the file now; an empty -wal / -shm left behind belongs to the temporary name only.
    for (const side of [`${tmpTarget}-wal`, `${tmpTarget}-shm`])
      if (existsSync(side) && (side.endsWith('-shm') || statSync(side).size === 0)) rmSync(side);
    if (existsSync(`${tmpTarget}-wal`)) renameSync(`${tmpTarget}-wal`, `${plan.target}-wal`);
    renameSync(tmpTarget, plan.target);
    if (source.adminCredential) writePlusCredential(config.dataDir, source.adminCredential, opts.now());
    opts.progress(
      `cpamp: migration finished: ${report.inserted} events added (${report.duplicates} duplicates, ${report.rejected} rejected) in ${(result.durationMs / 1000).toFixed(1)} s; Plus's files were not changed`,
    );
    return result;
  } catch (error) {
    if (store) await store.close().catch(() => undefined);
    removeDb(tmpTarget);
    throw error;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** /status and the doctor: is Plus still running beside cpamp on the database cpamp switched from? */
export async function plusSideBySideOf(store: {
  settings: { get<T>(key: string): Promise<T | undefined> };
}): Promise<PlusSideBySide | null> {
  const migration = await store.settings.get<{ source?: string; atMs?: number }>(PLUS_MIGRATION_KEY);
  if (!migration?.source || !migration.atMs) return null;
  return detectPlusSideBySide(migration.source, migration.atMs);
}

/** The same, as a doctor finding (null when cpamp did not switch from Plus). */
export async function plusSideBySideFinding(store: {
  settings: { get<T>(key: string): Promise<T | undefined> };
}): Promise<{
  id: 'plus-side-by-side';
  level: 'ok' | 'error';
  ok: boolean;
  title: string;
  detail: string;
  fix?: string;
} | null> {
  const found = await plusSideBySideOf(store);
  if (!found) return null;
  return found.detected
    ? {
        id: 'plus-side-by-side',
        level: 'error',
        ok: false,
        title: 'CPA Manager Plus still runs beside cpamp: two collectors split the records',
        detail: found.detail ?? '',
        fix: 'Stop Plus (or, for a trial, run cpamp with USAGE_COLLECTOR_MODE=subscribe so it receives every record).',
      }
    : {
        id: 'plus-side-by-side',
        level: 'ok',
        ok: true,
        title: 'CPA Manager Plus is not running on the data cpamp switched from',
        detail: `Plus's database ${found.source} has not changed since the switch.`,
      };
}
