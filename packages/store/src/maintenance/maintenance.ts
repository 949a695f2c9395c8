import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { bumpCacheEpoch } from '../analytics/cache-snapshot';
import type { StoreLogger } from '../types';
import { foldFloor, type FoldMarks } from '../rollups/fold-tier';

export interface StorageReport {
  /** Main file + WAL, bytes. */
  fileBytes: number;
  walBytes: number;
  pageSize: number;
  pageCount: number;
  freePages: number;
  events: number;
  /** Bytes per table or index (from SQLite's dbstat), largest first. */
  objects: { name: string; bytes: number }[];
  bytesPerEvent: number | null;
}

export interface RetentionResult {
  deleted: number;
  /** Bytes given back to the file system by the incremental vacuum. */
  reclaimedBytes: number;
}

export interface Maintenance {
  /** Deletes raw events older than the cutoff in batches; rollups are kept. */
  pruneByAge(olderThanMs: number): RetentionResult;
  /** Deletes the oldest raw events until the database fits in `maxBytes` (rollups are kept). */
  pruneToSize(maxBytes: number): RetentionResult;
  incrementalVacuum(pages?: number): number;
  checkpoint(mode?: 'PASSIVE' | 'TRUNCATE'): { busy: number; log: number; checkpointed: number };
  /** Periodic PASSIVE checkpoint, TRUNCATE when the WAL outgrows `walLimitBytes` and is caught up. */
  schedule(opts?: { intervalMs?: number; walLimitBytes?: number }): { stop(): void };
  storageReport(): StorageReport;
  /** Folds raw events into the deferred rollup tiers up to the current hour (rollups/fold-tier.ts); steps run. */
  foldRollups(): { steps: number };
}

export function createMaintenance(deps: {
  writer: Database.Database;
  path: string | null;
  logger: StoreLogger;
  /** After a prune, with the ids of the deleted events. */
  onEventsDeleted: (ids: number[]) => void;
  /** The deferred tiers: fold all now, and the watermarks retention must not cross. */
  fold: { foldAll(nowMs: number, atLeastMs?: number): number; marks(): FoldMarks };
  now: () => number;
}): Maintenance {
  const { writer, path, logger } = deps;
  const pragma = (p: string) => writer.pragma(p, { simple: true }) as number;
  const walBytes = () => {
    if (!path) return 0;
    try {
      return statSync(`${path}-wal`).size;
    } catch {
      return 0;
    }
  };
  const size = () => pragma('page_count') * pragma('page_size');
  const usedBytes = () => (pragma('page_count') - pragma('freelist_count')) * pragma('page_size');

  let deletedIds: number[] = [];
  const deleteBatch = (where: string, params: number[], limit: number): number => {
    const ids = writer
      .prepare(`SELECT id FROM events WHERE ${where} ORDER BY ts, id LIMIT ${limit}`)
      .pluck()
      .all(...params) as number[];
    if (ids.length === 0) return 0;
    for (const id of ids) deletedIds.push(id);
    writer.transaction(() => {
      const del = writer.prepare('DELETE FROM events WHERE id = ?');
      const delExtra = writer.prepare('DELETE FROM event_extra WHERE event_id = ?');
      for (const id of ids) {
        del.run(id);
        delExtra.run(id);
      }
      // Same transaction: a column-cache snapshot holding these rows stops matching.
      bumpCacheEpoch(writer, Date.now());
    })();
    return ids.length;
  };

  /**
   * Raw events at or above this instant are not in the deferred tiers yet: the fold runs first, and retention never
   * deletes past the watermark it reached (a group held at the cache floor is folded up to `deleteBelow` first).
   */
  const keepFrom = (deleteBelow: number): number => {
    deps.fold.foldAll(deps.now(), deleteBelow);
    return Math.min(foldFloor(deps.fold.marks()), Number.MAX_SAFE_INTEGER);
  };

  const m: Maintenance = {
    pruneByAge(olderThanMs) {
      const before = size();
      let deleted = 0;
      const cutoff = Math.min(olderThanMs, keepFrom(olderThanMs));
      for (;;) {
        const n = deleteBatch('ts < ?', [cutoff], 10_000);
        deleted += n;
        if (n === 0) break;
      }
      if (deleted) deps.onEventsDeleted(deletedIds);
      deletedIds = [];
      m.incrementalVacuum();
      logger.info({ deleted, olderThanMs }, 'store retention by age');
      return { deleted, reclaimedBytes: Math.max(0, before - size()) };
    },
    pruneToSize(maxBytes) {
      const before = size();
      let deleted = 0;
      // Which events go is known only as they go: every held group folds all the way first.
      const cutoff = keepFrom(Number.MAX_SAFE_INTEGER);
      while (usedBytes() > maxBytes) {
        const events = (writer.prepare('SELECT count(*) FROM events').pluck().get() as number) || 0;
        if (events === 0) break;
        // Estimate how many of the oldest events free the excess, at least 1,000 per round.
        const perEvent = usedBytes() / events;
        const n = deleteBatch('ts < ?', [cutoff], Math.max(1000, Math.ceil((usedBytes() - maxBytes) / perEvent)));
        deleted += n;
        if (n === 0) break;
      }
      if (deleted) deps.onEventsDeleted(deletedIds);
      deletedIds = [];
      m.incrementalVacuum();
      logger.info({ deleted, maxBytes }, 'store retention by size');
      return { deleted, reclaimedBytes: Math.max(0, before - size()) };
    },
    incrementalVacuum(pages) {
      const free = pragma('freelist_count');
      writer.pragma(pages ? `incremental_vacuum(${pages})` : 'incremental_vacuum');
      return free - pragma('freelist_count');
    },
    checkpoint(mode = 'PASSIVE') {
      const r = writer.pragma(`wal_checkpoint(${mode})`) as {
        busy: number;
        log: number;
        checkpointed: number;
      }[];
      return r[0] ?? { busy: 0, log: 0, checkpointed: 0 };
    },
    schedule(opts = {}) {
      const limit = opts.walLimitBytes ?? 64 * 1024 * 1024;
      const timer = setInterval(() => {
        try {
          const r = m.checkpoint('PASSIVE');
          if (walBytes() > limit && r.busy === 0 && r.log === r.checkpointed) m.checkpoint('TRUNCATE');
        } catch (e) {
          logger.warn({ err: e }, 'store WAL checkpoint failed; will retry');
        }
      }, opts.intervalMs ?? 30_000);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
    foldRollups() {
      return { steps: deps.fold.foldAll(deps.now()) };
    },
    storageReport() {
      const objects = (
        writer
          .prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
          .all() as {
          name: string;
          bytes: number;
        }[]
      ).map((o) => ({ name: o.name, bytes: o.bytes }));
      const events = writer.prepare('SELECT count(*) FROM events').pluck().get() as number;
      const fileBytes = size();
      return {
        fileBytes,
        walBytes: walBytes(),
        pageSize: pragma('page_size'),
        pageCount: pragma('page_count'),
        freePages: pragma('freelist_count'),
        events,
        objects,
        bytesPerEvent: events ? fileBytes / events : null,
      };
    },
  };
  return m;
}
