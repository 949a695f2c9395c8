import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { createAccountsRepository, createApiKeysRepository } from './accounts/accounts.repository';
import { createAnalyticsRepository } from './analytics/analytics.repository';
import { asyncFacade, settle } from './async-facade';
import { ColumnCache } from './analytics/column-cache';
import { DEFAULT_CACHE_MAX_EVENTS } from './analytics/cache-window';
import { sqliteCacheKib } from './sqlite-cache-size';
import { readCacheEpoch, readSnapshot, writeSnapshot, writeSnapshotSync } from './analytics/cache-snapshot';
import { TimeZones } from './analytics/time-zone';
import { loadOrCreateDataKeyFile, parseDataKey } from './crypto/data-key';
import { DictionaryCache } from './dictionary/dictionary-cache';
import { StoreError, isStoreError } from './errors';
import { createEventEvidenceReader } from './events/event-evidence';
import { createEventsRepository } from './events/events.repository';
import { createImportExport } from './io/import-export';
import { createMaintenance, type StorageReport } from './maintenance/maintenance';
import { SqliteFold } from './rollups/fold-sqlite';
import { createFoldJob } from './rollups/fold-job';
import { createJobsRepository } from './jobs/jobs.repository';
import { createBudgetsRepository } from './budgets/budgets.repository';
import { createSavedViewsRepository } from './views/saved-views.repository';
import { createLeasesRepository } from './leases/leases.repository';
import { migrations } from './migrations/index';
import { withMigrationLogger } from './migrations/migration-log';
import { migrationBackupPath, vacuumInto } from './backup/sqlite-backup';
import { createPoolRepository } from './pool/pool.repository';
import { createPricesRepository } from './prices/prices.repository';
import { createAlertsRepository } from './alerts/alerts.repository';
import { createAlertSilencesRepository } from './alerts/alert-silences.repository';
import type { SettingsRepository, StoreRepositories } from './repositories';
import { createSettingsRepository, verifyDataKey } from './settings/settings.repository';
import { silentLogger, type StoreLogger } from './types';

export interface OpenStoreOptions {
  /** SQLite file path, or ':memory:' (tests). */
  path: string;
  /** 32-byte key (raw, hex or base64), e.g. from the server's env; wins over dataKeyPath. */
  dataKey?: Uint8Array | string;
  /** Key file; created with 32 random bytes and mode 0600 when missing. Default: data.key beside the database. */
  dataKeyPath?: string;
  logger?: StoreLogger;
  now?: () => number;
  /** Serve analytics from the in-process column cache once warm (default true). */
  columnCache?: boolean;
  /** Start filling the column cache in the background right after open (default false). */
  warmCache?: boolean;
  /**
   * Memory bound of the column cache: beyond this many events it holds only the newest ones and older
   * ranges come from rollups + SQL (default 3,000,000, ~180 MB; 0 = every event). See cache-window.ts.
   */
  columnCacheMaxEvents?: number;
  /**
   * SQLite page cache of the writer connection in MiB (default 16); the read-only connection gets half.
   * Warm views come from the column cache, so a bigger page cache mostly adds resident memory (each
   * connection fills its cache up to this bound and keeps it). See docs/guides/memory-at-scale.md.
   */
  sqliteCacheMb?: number;
  /**
   * Beyond this many cached rows in a range that daily rollups answer exactly, views read the rollups instead
   * of scanning the cache (default 1,000,000; the answers are the same).
   */
  cacheScanLimit?: number;
  /**
   * Keep a binary snapshot of the column cache beside the database (`<path>.colcache`), written on
   * close and periodically, so the next open is warm in milliseconds (default true for files).
   */
  cacheSnapshot?: boolean;
  /** How often a warm cache with new rows is snapshotted while open (default 10 min; 0 = only on close). */
  cacheSnapshotIntervalMs?: number;
  busyTimeoutMs?: number;
  /**
   * Before a schema migration of an existing file, copy it to `<path>.pre-migration-<stamp>.sqlite`
   * (default true for files). `removeMigrationBackups()` deletes old copies after a successful start.
   */
  migrationBackup?: boolean;
  /**
   * How often raw events are folded into the deferred rollup tiers (rollups/fold-tier.ts) in the background
   * (default 60 s; 0 = never: call maintenance.foldRollups()). Reads stay exact either way.
   */
  foldIntervalMs?: number;
  /**
   * Leave the day-dims tiers (day × key / account × model, day histograms, span blocks) empty while the column
   * cache holds the whole log: the cache answers every range faster (~75 B/event less at 1M). Once the log
   * outgrows the cache's window (set at open), they are folded as usual. Off by default; `cpamp serve` turns it on.
   */
  foldBelowCacheFloor?: boolean;
}

/**
 * Kysely view of the few tables the store's own Kysely code touches (migrations, the Postgres
 * repositories). Internal: other code goes through the repositories.
 */
export interface StoreTables {
  settings: { key: string; value: string; updated_ms: number };
  api_key: { id: number; hash: string; label: string; alias: string | null; alias_updated_ms: number | null };
  account: {
    id: number;
    auth_index: string;
    email: string | null;
    project_id: string | null;
    plan: string | null;
    file_name: string | null;
  };
  model: { id: number; name: string };
  provider: { id: number; name: string };
}

/**
 * The in-process column cache: views whose range starts at or after `fromMs` are answered from memory, older ranges
 * from rollups and SQL (at 10M events a few views then take seconds: docs/guides/memory-at-scale.md).
 */
export interface ColumnCacheStatus {
  state: 'cold' | 'warming' | 'warm';
  /** Every stored event once warm (the cache's rows plus those older than its window); 0 while cold. */
  events: number;
  /** Events held in memory. */
  held: number;
  bytes: number;
  /** The window's floor: every event from this instant on is held; null when every stored event is. */
  fromMs: number | null;
  /** The bound (`columnCacheMaxEvents`); 0 = none. */
  maxEvents: number;
}

/** The SQLite store: every repository, plus what only a local file has (its path, the column cache). */
export interface Store extends StoreRepositories {
  /** Which engine: lets code that takes either store tell them apart (Postgres: 'postgres'). */
  readonly kind: 'sqlite';
  readonly path: string;
  /** Shorthand for maintenance.storageReport(). */
  storageReport(): Promise<StorageReport>;
  /** Fills the in-process column cache now (analytics are served from it once warm). */
  warmCache(): Promise<void>;
  /** The column cache (see ColumnCacheStatus). */
  cacheStatus(): ColumnCacheStatus;
}

/**
 * Usage data and secrets live in these files: owner-only, whatever the umask. SQLite gives the -wal and
 * -shm files the database file's mode, so fixing the main file first covers them; existing ones too.
 */
function restrictToOwner(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** Pages of WAL after which a commit checkpoints (SQLite's default is 1,000). */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

function pragmas(db: Database.Database, busyTimeoutMs: number, file: boolean): void {
  // Must precede the first table so deleted pages can be returned with incremental_vacuum.
  if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
  if (file) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('cache_size = -32000');
  db.pragma('temp_store = MEMORY');
  db.pragma('journal_size_limit = 67108864');
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const logger = opts.logger ?? silentLogger;
  const now = opts.now ?? Date.now;
  const memory = opts.path === ':memory:';
  const path = memory ? ':memory:' : resolve(opts.path);
  const busy = opts.busyTimeoutMs ?? 5000;
  const cacheKib = sqliteCacheKib(opts.sqliteCacheMb);

  let writer: Database.Database;
  try {
    // A fresh directory (a README snippet, a first start) has no parent folder yet: SQLite does not create it.
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    writer = new Database(path);
    if (!memory) restrictToOwner(path);
    pragmas(writer, busy, !memory);
    // The writer keeps the dedup / time index edges and rollups hot. Its default (16 MiB, was 64) bounds what
    // stays resident once ingestion has touched many pages; older pages come back from the OS file cache.
    writer.pragma(`cache_size = -${cacheKib.writer}`);
    // Ingest checkpoints every ~40 MB of WAL instead of SQLite's ~4 MB. A batch of 500 events dirties ~600
    // pages (the key / account hour tiers of 0022 put each id's rows on its own pages), so the default ran a
    // checkpoint (two fsyncs, copying ~1,000 pages) after nearly every batch; fewer, larger checkpoints copy a
    // page rewritten by many batches once. P3: see bench/results/README.md "ingest speed". The WAL stays under
    // journal_size_limit (64 MiB) and the maintenance timer still checkpoints every 30 s.
    if (!memory) writer.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  } catch (cause) {
    throw new StoreError(
      'open_failed',
      `Cannot open the SQLite database at ${path}: ${(cause as Error).message}. Check the path and its permissions.`,
      { cause },
    );
  }
  const db = new Kysely<StoreTables>({ dialect: new SqliteDialect({ database: writer }) });
  let reader: Database.Database | null = null;
  try {
    const provider: MigrationProvider = { getMigrations: async () => withMigrationLogger(migrations, logger) };
    if (!memory && (opts.migrationBackup ?? true)) backupBeforeMigration(writer, path, now(), logger);
    // Code-unit order of the zero-padded names: kysely's default (localeCompare) loads ICU's collator,
    // 20-50 ms at every start before the server listens (P7).
    const nameComparator = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const { error, results } = await new Migrator({ db, provider, nameComparator }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new StoreError(
        'migration_failed',
        `Migration ${failed} failed on ${path}: ${(error as Error).message}. The database was left at the previous version.`,
        { cause: error },
      );
    }
    for (const r of results ?? [])
      logger.info({ migration: r.migrationName, status: r.status }, 'store migration');

    let dataKey: Buffer;
    let keyWhere: string;
    if (opts.dataKey !== undefined) {
      dataKey = parseDataKey(opts.dataKey, 'the dataKey option');
      keyWhere = 'the provided data key';
    } else if (opts.dataKeyPath !== undefined || !memory) {
      const keyPath = opts.dataKeyPath ?? join(dirname(path), 'data.key');
      const loaded = loadOrCreateDataKeyFile(keyPath);
      if (loaded.created) logger.info({ path: keyPath }, 'store created a new data key');
      dataKey = loaded.key;
      keyWhere = keyPath;
    } else {
      dataKey = randomBytes(32);
      keyWhere = 'an ephemeral in-memory key';
    }
    verifyDataKey(writer, dataKey, keyWhere, now);

    if (!memory) {
      reader = new Database(path, { readonly: true, fileMustExist: true });
      reader.pragma(`busy_timeout = ${busy}`);
      // Warm analytics come from the column cache; the reader mostly fetches pages of events by id (and the
      // warm-up's sequential scan, which a big cache would only keep resident).
      reader.pragma(`cache_size = -${cacheKib.reader}`);
    }
    const readerDb = reader ?? writer;
    let closed = false;
    const assertOpen = () => {
      if (closed)
        throw new StoreError(
          'store_closed',
          `The store at ${path} is closed; open it again with openStore().`,
        );
    };
    const read = () => {
      assertOpen();
      return readerDb;
    };

    const dict = new DictionaryCache(writer);
    const snapshotPath = !memory && (opts.cacheSnapshot ?? true) ? `${path}.colcache` : null;
    const cache = new ColumnCache(
      readerDb,
      logger,
      snapshotPath ? (c) => readSnapshot(c, snapshotPath, readerDb) : null,
    );
    const zones = new TimeZones();
    const prices = createPricesRepository(writer, {
      now,
      knownModels: () =>
        dict
          .entries('model')
          .map((m) => m.name)
          .filter((n) => n !== ''),
      onChange: () => {},
    });
    cache.maxEvents = opts.columnCacheMaxEvents ?? DEFAULT_CACHE_MAX_EVENTS;
    const useCache = opts.columnCache ?? true;
    const events = createEventsRepository({
      writer,
      reader: read,
      dict,
      prices,
      cache,
      assertOpen,
      useCache: () => useCache,
      now,
      logger,
    });
    const accounts = createAccountsRepository(writer, read, dict, now);
    const apiKeys = createApiKeysRepository(writer, dict, now);
    const analytics = createAnalyticsRepository({
      reader: read,
      dict,
      cache,
      zones,
      accountLabels: () => accounts.labels(),
      useCache: () => useCache,
      rawFloorMs: () => rawFloor,
      cacheScanLimit: opts.cacheScanLimit,
    });
    const settings = createSettingsRepository(writer, dataKey, now);
    // Raw events older than this were removed by retention: only rollups know about them.
    let rawFloor = settings.get<number>('retention_raw_floor_ms') ?? -Infinity;
    const rewarm = (deletedIds: number[]) => {
      const oldest = writer.prepare('SELECT min(ts) FROM events').pluck().get() as number | null;
      rawFloor = oldest ?? now();
      settings.set('retention_raw_floor_ms', rawFloor);
      // Compacted in place: the views stay on the cache (no reload, no SQL fallback window).
      cache.removeIds(deletedIds);
    };
    const fold = new SqliteFold(writer, useCache && opts.foldBelowCacheFloor ? () => cache.floorMs : undefined);
    const maintenance = createMaintenance({
      writer,
      path: memory ? null : path,
      logger,
      onEventsDeleted: rewarm,
      fold,
      now,
    });
    const foldJob = createFoldJob({
      step: () => {
        assertOpen();
        // A cancelled re-price leaves rollup deltas: written once no chunk came for a while.
        events.flushRepricingIfIdle(now());
        return fold.step(now());
      },
      logger,
    });
    const io = createImportExport({
      writer,
      reader: read,
      dict,
      events,
      logger,
      now,
      zones,
      cache: () => (useCache && cache.warm ? cache : null),
    });
    const pool = createPoolRepository({ writer, reader: read, now });
    const alerts = createAlertsRepository({ writer, reader: read, now, dataKey });
    const alertSilences = createAlertSilencesRepository({ writer, now });
    const jobs = createJobsRepository({ writer, reader: read, now });
    const budgets = createBudgetsRepository({ writer, now, dataKey });
    const savedViews = createSavedViewsRepository({ writer, now, assertOpen });
    const leases = createLeasesRepository({ writer, now, assertOpen });
    const evidence = createEventEvidenceReader(read);
    const schedules: { stop(): void }[] = [];
    const foldEvery = opts.foldIntervalMs ?? 60_000;
    if (foldEvery > 0) schedules.push(foldJob.schedule(foldEvery));
    const schedule: typeof maintenance.schedule = (o) => {
      const s = maintenance.schedule(o);
      schedules.push(s);
      return s;
    };

    // The async boundary: the repositories above run synchronously on better-sqlite3.
    const asyncEvents = asyncFacade(
      {
        ...events,
        maxId: () => {
          assertOpen();
          return evidence.maxId();
        },
        evidenceAfter: (after: number, limit: number) => {
          assertOpen();
          return evidence.evidenceAfter(after, limit);
        },
      },
      ['onInserted'],
    );
    const asyncSettings: SettingsRepository = {
      ...asyncFacade(settings),
      get: <T>(key: string) => settle(() => settings.get<T>(key)),
    };
    const asyncMaintenance = { ...asyncFacade(maintenance, ['schedule']), schedule };
    const store: Store = {
      kind: 'sqlite',
      path,
      events: asyncEvents,
      analytics: asyncFacade(analytics),
      prices: asyncFacade(prices),
      accounts: asyncFacade(accounts),
      apiKeys: asyncFacade(apiKeys),
      settings: asyncSettings,
      maintenance: asyncMaintenance,
      io: asyncFacade(io, ['exportJsonl', 'usagePayload', 'usagePayloadBytes']),
      pool: asyncFacade(pool),
      alerts: asyncFacade(alerts),
      alertSilences: asyncFacade(alertSilences),
      jobs,
      budgets: asyncFacade(budgets),
      savedViews,
      leases,
      insertBatch: asyncEvents.insertBatch,
      storageReport: () => asyncMaintenance.storageReport(),
      warmCache: () => (useCache ? cache.warmUp() : Promise.resolve()),
      cacheStatus: () => ({
        state: cache.loadState,
        events: cache.n + cache.leftOut,
        held: cache.n,
        bytes: cache.bytes(),
        fromMs: cache.floorMs === -Infinity ? null : cache.floorMs,
        maxEvents: cache.maxEvents,
      }),
      async close() {
        if (closed) return;
        closed = true;
        for (const s of schedules) s.stop();
        await foldJob.idle();
        // A re-price stopped between chunks (shutdown, cancel) leaves rollup deltas to write.
        events.flushRepricing();
        if (snapshotTimer) clearInterval(snapshotTimer);
        await snapshotting;
        if (
          snapshotPath &&
          cache.warm &&
          cache.floorMs === -Infinity &&
          cache.n > 0 &&
          cache.n !== cache.snapshotRows
        ) {
          try {
            writeSnapshotSync(cache, snapshotPath, readCacheEpoch(writer));
          } catch (e) {
            logger.warn({ err: e, path: snapshotPath }, 'store column cache snapshot not written');
          }
        }
        cache.release();
        reader?.close();
        await db.destroy();
      },
    };
    // Periodic snapshots bound what a crash costs the next start (rows after it come from SQL).
    let snapshotting: Promise<void> = Promise.resolve();
    const interval = opts.cacheSnapshotIntervalMs ?? 600_000;
    const snapshotTimer =
      snapshotPath && interval > 0
        ? setInterval(() => {
            if (!cache.warm || cache.floorMs !== -Infinity || cache.n - cache.snapshotRows < 10_000) return;
            const rows = cache.n;
            snapshotting = writeSnapshot(cache, snapshotPath, readCacheEpoch(writer)).then(
              (bytes) => {
                if (bytes > 0) cache.snapshotRows = rows;
              },
              (e: unknown) =>
                logger.warn({ err: e, path: snapshotPath }, 'store column cache snapshot failed'),
            );
          }, interval)
        : null;
    snapshotTimer?.unref();
    if (opts.warmCache && useCache)
      setImmediate(
        () => void cache.warmUp().catch((e) => logger.error({ err: e }, 'store column cache warm-up failed')),
      );
    return store;
  } catch (e) {
    reader?.close();
    await db.destroy().catch(() => {});
    if (isStoreError(e)) throw e;
    throw new StoreError('open_failed', `Opening the store at ${path} failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** A copy of an existing database that has migrations pending (a new database has nothing to lose). */
function backupBeforeMigration(
  writer: Database.Database,
  path: string,
  now: number,
  logger: StoreLogger,
): void {
  const hasTable = writer
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'")
    .get();
  if (!hasTable) return;
  const applied = new Set(
    (writer.prepare('SELECT name FROM kysely_migration').all() as { name: string }[]).map((r) => r.name),
  );
  const pending = Object.keys(migrations).filter((name) => !applied.has(name));
  if (applied.size === 0 || pending.length === 0) return;
  const copy = migrationBackupPath(path, now);
  try {
    vacuumInto(writer, copy);
  } catch (cause) {
    throw new StoreError(
      'migration_failed',
      `Cannot copy ${path} to ${copy} before migrating it (${pending.join(', ')}): ${(cause as Error).message}. ` +
        'Free disk space next to the database, or migrate a backup made with `cpamp backup`.',
      { cause },
    );
  }
  logger.info({ copy, pending }, 'store copied the database before migrating it');
}
