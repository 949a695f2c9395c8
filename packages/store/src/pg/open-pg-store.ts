import { randomUUID } from 'node:crypto';
import { Migrator, sql, type MigrationProvider } from 'kysely';
import { TimeZones } from '../analytics/time-zone';
import { loadOrCreateDataKeyFile, parseDataKey } from '../crypto/data-key';
import { StoreError, isStoreError } from '../errors';
import { silentLogger, type StoreLogger } from '../types';
import type { StoreRepositories } from '../repositories';
import type { StoreNotifications } from '../notifications/store-notifications';
import { pgMigrations } from './migrations/index';
import { withMigrationLogger } from '../migrations/migration-log';
import { createPgAccountsRepository, createPgApiKeysRepository } from './pg-accounts.repository';
import { createPgAnalyticsRepository } from './pg-analytics.repository';
import {
  checkSchemaName,
  createPgDb,
  createWriteLock,
  describeConnection,
  rows,
  type PgDb,
} from './pg-connection';
import { PgDictionary } from './pg-dictionary';
import { createPgEventEvidence } from './pg-event-evidence';
import { createPgEventsRepository } from './pg-events.repository';
import { createPgImportExport } from './pg-io.repository';
import { createPgMaintenance } from './pg-maintenance.repository';
import { createPgJobsRepository } from './pg-jobs.repository';
import { createPgBudgetsRepository } from './pg-budgets.repository';
import { createPgSavedViewsRepository } from './pg-saved-views.repository';
import { createPgPricesRepository } from './pg-prices.repository';
import { createPgSettingsRepository, verifyPgDataKey } from './pg-settings.repository';
import { createPgPoolRepository } from './pg-pool.repository';
import { createPgAlertsRepository } from './pg-alerts.repository';
import { createPgAlertSilencesRepository } from './pg-alert-silences.repository';
import { createPgLeasesRepository } from './pg-leases.repository';
import { createPgNotifications } from './pg-notifications';
import { pgFoldStep } from './pg-fold';
import { createFoldJob } from '../rollups/fold-job';

export interface OpenPgStoreOptions {
  /** e.g. `postgresql://user:pass@127.0.0.1:5432/cpamp`, or a unix socket: `postgresql://user@%2Fvar%2Frun%2Fpostgresql/cpamp`. */
  connectionString: string;
  /** 32-byte key (raw, hex or base64) that encrypts stored secrets; wins over dataKeyPath. */
  dataKey?: Uint8Array | string;
  /** Key file; created with 32 random bytes and mode 0600 when missing. One of dataKey / dataKeyPath is required. */
  dataKeyPath?: string;
  /** Schema holding the tables (created when missing); default `public`. */
  schema?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  logger?: StoreLogger;
  now?: () => number;
  /** The clock leases judge expiry by; default the database's (instances on several machines agree on it). */
  leaseNow?: () => number;
  /** This process's id among instances sharing the database (its notifications carry it); default a random UUID. */
  instanceId?: string;
  /**
   * How often raw events are folded into the deferred rollup tiers (rollups/fold-tier.ts) in the background
   * (default 60 s; 0 = never: call maintenance.foldRollups()). Several instances may all fold: it is safe.
   */
  foldIntervalMs?: number;
}

/** The repositories of the Postgres store: every one of `StoreRepositories`. */
export type PgStoreRepositories = StoreRepositories;

/** The Postgres store: the same async repository interface as `Store`. */
export interface PgStore extends PgStoreRepositories {
  readonly kind: 'postgres';
  readonly schema: string;
  /** Insert batches of the other instances on this database (LISTEN / NOTIFY). */
  readonly notifications: StoreNotifications;
}

export async function openPgStore(opts: OpenPgStoreOptions): Promise<PgStore> {
  const logger = opts.logger ?? silentLogger;
  const now = opts.now ?? Date.now;
  const where = describeConnection(opts.connectionString);
  const schema = opts.schema === undefined ? undefined : checkSchemaName(opts.schema);

  let dataKey: Buffer;
  let keyWhere: string;
  if (opts.dataKey !== undefined) {
    dataKey = parseDataKey(opts.dataKey, 'the dataKey option');
    keyWhere = 'the provided data key';
  } else if (opts.dataKeyPath !== undefined) {
    const loaded = loadOrCreateDataKeyFile(opts.dataKeyPath);
    if (loaded.created) logger.info({ path: opts.dataKeyPath }, 'store created a new data key');
    dataKey = loaded.key;
    keyWhere = opts.dataKeyPath;
  } else {
    throw new StoreError(
      'data_key_invalid',
      'openPgStore needs a data key: pass dataKey (32 bytes, hex or base64) or dataKeyPath (a file, created when missing). ' +
        'A Postgres database outlives the process, so an ephemeral key would lock its secrets away.',
    );
  }

  let db: PgDb;
  try {
    ({ db } = await createPgDb({
      connectionString: opts.connectionString,
      schema,
      ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}),
    }));
  } catch (cause) {
    throw new StoreError(
      'open_failed',
      `Cannot use the Postgres connection string ${where}: ${(cause as Error).message}. Expected postgresql://user:password@host:port/database.`,
      { cause },
    );
  }
  try {
    try {
      await rows(db, sql`SELECT 1`);
      // Existence first: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database.
      if (schema && !(await rows(db, sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`)).length)
        await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db).catch((e: unknown) => {
          // Two instances starting at once on a new schema: IF NOT EXISTS is not atomic, the loser gets a
          // unique violation on pg_namespace, and the schema it wanted exists.
          if ((e as { code?: string }).code !== '23505') throw e;
        });
    } catch (cause) {
      throw new StoreError(
        'open_failed',
        `Cannot connect to Postgres at ${where}: ${(cause as Error).message}. Check that the server runs, the connection string (host, port, database, user, password) and pg_hba.conf.`,
        { cause },
      );
    }
    const provider: MigrationProvider = { getMigrations: async () => withMigrationLogger(pgMigrations, logger) };
    const { error, results } = await new Migrator({
      db,
      provider,
      ...(schema ? { migrationTableSchema: schema } : {}),
    }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new StoreError(
        'migration_failed',
        `Postgres migration ${failed} failed on ${where}${schema ? ` (schema ${schema})` : ''}: ${(error as Error).message}. The database was left at the previous version.`,
        { cause: error },
      );
    }
    for (const r of results ?? [])
      logger.info({ migration: r.migrationName, status: r.status }, 'store migration');
    await verifyPgDataKey(db, dataKey, keyWhere, now);

    let closed = false;
    const assertOpen = () => {
      if (closed)
        throw new StoreError(
          'store_closed',
          `The Postgres store at ${where} is closed; open it again with openPgStore().`,
        );
    };
    const lock = createWriteLock();
    const dict = new PgDictionary();
    const zones = new TimeZones();
    const prices = await createPgPricesRepository(db, {
      now,
      lock,
      knownModels: async () =>
        (await rows(db, sql<{ name: string }>`SELECT name FROM model WHERE name <> '' ORDER BY id`)).map(
          (r) => r.name,
        ),
    });
    const events = {
      ...createPgEventsRepository({ db, dict, prices, lock, assertOpen }),
      ...createPgEventEvidence({ db, assertOpen }),
    };
    const notifications = createPgNotifications({
      db,
      connectionString: opts.connectionString,
      schema: schema ?? 'public',
      instanceId: opts.instanceId ?? randomUUID(),
      logger,
    });
    // After each committed batch (onInserted runs after COMMIT): the other instances' live feeds.
    events.onInserted((summaries) => notifications.notify(summaries));
    const foldJob = createFoldJob({
      step: () => {
        assertOpen();
        return lock(() => pgFoldStep(db, now()));
      },
      logger,
    });
    const foldEvery = opts.foldIntervalMs ?? 60_000;
    const foldTimer = foldEvery > 0 ? foldJob.schedule(foldEvery) : null;
    const store: PgStore = {
      kind: 'postgres',
      schema: schema ?? 'public',
      events,
      analytics: createPgAnalyticsRepository({ db, zones, assertOpen }),
      prices,
      accounts: createPgAccountsRepository({ db, now, assertOpen }),
      apiKeys: createPgApiKeysRepository({ db, dict, now, assertOpen }),
      settings: createPgSettingsRepository({ db, dataKey, now, assertOpen }),
      jobs: createPgJobsRepository({ db, now, assertOpen }),
      budgets: createPgBudgetsRepository({ db, now, dataKey, assertOpen }),
      savedViews: createPgSavedViewsRepository({ db, now, assertOpen }),
      pool: createPgPoolRepository({ db, now, assertOpen }),
      alerts: createPgAlertsRepository({ db, now, dataKey, assertOpen }),
      alertSilences: createPgAlertSilencesRepository({ db, now, assertOpen }),
      maintenance: createPgMaintenance({ db, lock, logger, assertOpen, fold: foldJob.run }),
      io: createPgImportExport({ db, events, logger, now, assertOpen }),
      leases: createPgLeasesRepository({ db, now: opts.leaseNow, assertOpen }),
      notifications,
      insertBatch: (batch) => events.insertBatch(batch),
      async close() {
        if (closed) return;
        closed = true;
        foldTimer?.stop();
        await foldJob.idle();
        // Let a running write finish before the pool goes away.
        await lock(async () => {});
        await notifications.close();
        await db.destroy();
      },
    };
    return store;
  } catch (e) {
    await db.destroy().catch(() => {});
    if (isStoreError(e)) throw e;
    throw new StoreError(
      'open_failed',
      `Opening the Postgres store at ${where} failed: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}
