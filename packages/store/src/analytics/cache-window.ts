import type Database from 'better-sqlite3';

/**
 * The column cache's memory bound. At ~60 bytes per event the whole event log fits in memory up to a few
 * million events; at 10M it alone would be ~600 MB. With `columnCacheMaxEvents` the cache holds only the
 * newest events: views whose range starts at or after the window's floor are scanned in memory, older
 * ranges are answered by rollups + SQL (as before the cache is warm). New events keep being appended, so
 * the window widens until the next open (restart) trims it again.
 */
export const DEFAULT_CACHE_MAX_EVENTS = 3_000_000;

export interface CacheWindow {
  /** Load events with id > afterId. */
  afterId: number;
  /** Every event at or after this instant has id > afterId. */
  floorMs: number;
  /** Events left out (id <= afterId): the store's count is the cache's rows plus these. */
  leftOut: number;
}

/** The window for a load, or null when every event fits (or no bound is set). */
export function cacheWindow(db: Database.Database, maxEvents: number): CacheWindow | null {
  if (!(maxEvents > 0)) return null;
  // Ids are distinct positive integers, so there are at most max(id) events: below the bound, no count(*)
  // (a full index scan at every open, ~40 ms per 1M events, before the server listens).
  const maxId = (db.prepare('SELECT max(id) FROM events').pluck().get() as number | null) ?? 0;
  if (maxId <= maxEvents) return null;
  const count = (db.prepare('SELECT count(*) AS c FROM events').get() as { c: number }).c;
  if (count <= maxEvents) return null;
  const afterId = db
    .prepare('SELECT id FROM events ORDER BY id LIMIT 1 OFFSET ?')
    .pluck()
    .get(count - maxEvents - 1) as number;
  // Ids follow arrival, not event time (imports, late records): the floor is past every left-out event.
  const maxLeftOut = db.prepare('SELECT max(ts) FROM events WHERE id <= ?').pluck().get(afterId) as number;
  return { afterId, floorMs: maxLeftOut + 1, leftOut: count - maxEvents };
}
