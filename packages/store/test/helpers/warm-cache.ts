import type { PgStoreRepositories } from '../../src/index';

/** Loads the column cache where the store has one (SQLite); Postgres has none, so nothing to wait for. */
export async function warmIfCached(s: PgStoreRepositories): Promise<void> {
  const w = (s as { warmCache?: () => Promise<void> }).warmCache;
  if (w) await w.call(s);
}
