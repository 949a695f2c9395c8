// The one store type the server talks to: the repository interface both dialects implement, the engine's
// name, and the SQLite-only extras (file path, in-process column cache) as optional capabilities. Routes
// use the repositories; only /status, /metrics and the storage page look at `kind` and the extras.
import type { ColumnCacheStatus, StorageReport, StoreRepositories } from '@cpamp/store';
import { redactDbUrl } from './config/db-url';

export interface ServerStore extends StoreRepositories {
  readonly kind: 'sqlite' | 'postgres';
  /** SQLite: the database file. */
  readonly path?: string;
  /** Postgres: the schema holding the tables. */
  readonly schema?: string;
  /** Shorthand for maintenance.storageReport() (SQLite has it; else call maintenance directly). */
  storageReport?(): Promise<StorageReport>;
  /** SQLite: fills the in-process column cache now. */
  warmCache?(): Promise<void>;
  /** SQLite: the in-process column cache (what it holds, from when). */
  cacheStatus?(): ColumnCacheStatus;
}

/** The store's storage report, whichever engine. */
export function storageReportOf(store: Pick<ServerStore, 'maintenance' | 'storageReport'>): Promise<StorageReport> {
  return store.storageReport ? store.storageReport() : store.maintenance.storageReport();
}

/**
 * The number of stored events for /status and /metrics: SQLite reads it from the column cache (free);
 * Postgres has no such cache, so count(*) runs at most once per `maxAgeMs` (it costs time on big tables).
 */
export function eventCounter(
  store: Pick<ServerStore, 'cacheStatus' | 'events'>,
  now: () => number,
  maxAgeMs = 5_000,
): () => Promise<number> {
  if (store.cacheStatus) {
    const status = store.cacheStatus.bind(store);
    return async () => status().events;
  }
  let last: { at: number; value: Promise<number> } | null = null;
  return () => {
    const t = now();
    if (!last || t - last.at >= maxAgeMs) {
      const value = store.events.count();
      // A failed count is not kept: the next call asks again.
      value.catch(() => {
        last = null;
      });
      last = { at: t, value };
    }
    return last.value;
  };
}

/** What /status says about a Postgres store (the connection string without its password). */
export function postgresStatus(dbUrl: string | null, schema: string | undefined): { engine: 'postgres'; url: string | null; schema: string | null } {
  return { engine: 'postgres', url: dbUrl === null ? null : redactDbUrl(dbUrl), schema: schema ?? null };
}
