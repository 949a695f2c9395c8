// Opens the server's store: Postgres when config.dbUrl is set, else the SQLite database at config.dbPath.
// Secrets are encrypted with the data key (CPA_MANAGER_DATA_KEY(_FILE) or <dataDir>/data.key) on either
// engine; the store owns the crypto, we only pass keys.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { openPgStore, openStore, isStoreError, type StoreLogger } from '@cpamp/store';
import type { Config } from './config';
import { ServerError } from './errors';
import type { ServerStore } from './server-store';

export async function openServerStore(
  config: Pick<Config, 'dbPath' | 'dbUrl' | 'dbSchema' | 'dataKey' | 'dataKeyPath'> &
    Partial<Pick<Config, 'columnCacheMaxEvents' | 'sqliteCacheMb'>>,
  logger: StoreLogger,
  now: () => number,
  /** Start filling the SQLite column cache at once (default); false: the caller calls warmCache() later. */
  opts: { warmCache?: boolean } = {},
): Promise<ServerStore> {
  const key = config.dataKey !== null ? { dataKey: config.dataKey } : { dataKeyPath: config.dataKeyPath };
  try {
    if (config.dbUrl !== null) {
      // Several instances may share the database: this id names this process in leases and notifications.
      const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
      return await openPgStore({ connectionString: config.dbUrl, schema: config.dbSchema, ...key, logger, now, instanceId });
    }
    return await openStore({
      path: config.dbPath,
      ...key,
      logger,
      now,
      warmCache: opts.warmCache ?? true,
      columnCacheMaxEvents: config.columnCacheMaxEvents,
      sqliteCacheMb: config.sqliteCacheMb,
      // No day-dims tiers while the column cache holds the whole log (store option; ~75 B/event at 1M).
      foldBelowCacheFloor: true,
    });
  } catch (error) {
    if (isStoreError(error)) throw new ServerError('store_unavailable', error.message, { cause: error });
    throw error;
  }
}
