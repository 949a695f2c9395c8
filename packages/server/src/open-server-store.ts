// Opens the SQLite store for the server: the database at config.dbPath, secrets encrypted with the data
// key (CPA_MANAGER_DATA_KEY(_FILE) or <dataDir>/data.key). The store owns the crypto; we only pass keys.
import { openStore, isStoreError, type Store, type StoreLogger } from '@cpamp/store';
import type { Config } from './config';
import { ServerError } from './errors';

export async function openServerStore(config: Config, logger: StoreLogger, now: () => number): Promise<Store> {
  try {
    return await openStore({
      path: config.dbPath,
      ...(config.dataKey !== null ? { dataKey: config.dataKey } : { dataKeyPath: config.dataKeyPath }),
      logger,
      now,
      warmCache: true,
    });
  } catch (error) {
    if (isStoreError(error)) throw new ServerError('store_unavailable', error.message, { cause: error });
    throw error;
  }
}
