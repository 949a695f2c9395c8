/** Writer page cache in MiB when `sqliteCacheMb` is not given (the reader gets half). */
export const DEFAULT_SQLITE_CACHE_MB = 16;

/**
 * SQLite page cache sizes per connection in KiB (`PRAGMA cache_size = -<KiB>`). Each connection keeps the
 * pages it has read up to this bound, so the sum is resident memory at scale. The writer needs the newest
 * pages of the event indexes and the rollups; the read-only connection mostly serves the column cache's
 * warm-up scan and pages of events by id, so it gets half. Neither goes below 1 MiB.
 */
export function sqliteCacheKib(mb: number = DEFAULT_SQLITE_CACHE_MB): { writer: number; reader: number } {
  const writer = Math.max(1024, Math.round((Number.isFinite(mb) ? mb : DEFAULT_SQLITE_CACHE_MB) * 1024));
  return { writer, reader: Math.max(1024, writer >> 1) };
}
