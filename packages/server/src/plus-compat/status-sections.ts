// The sections Plus's /status carries beside the collector block (dataMigration, databaseMaintenance,
// database), filled from what cpamp knows: the SQLite files' sizes and the event cache's warm-up.
import { stat } from 'node:fs/promises';

/** The WAL size cap the store sets (open-store.ts `journal_size_limit`). */
const JOURNAL_SIZE_LIMIT = 67_108_864;

async function size(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * Plus rewrites cached-token accounting in a background migration and reports it here. cpamp stores
 * tokens already split by kind, so there is nothing to migrate: the migration is reported complete.
 */
export function dataMigration(events: number, now: number) {
  return {
    name: 'usage_cache_accounting_v2',
    status: 'completed',
    lastEventId: events,
    targetEventId: events,
    processedRows: 0,
    changedRows: 0,
    appliedRows: 0,
    updatedAtMs: now,
  };
}

/** Plus's maintenance flag; cpamp's only slow state is the event cache still warming up after a start. */
export function databaseMaintenance(cacheState: 'cold' | 'warming' | 'warm' | null) {
  const warming = cacheState === 'warming' || cacheState === 'cold';
  return {
    required: false,
    performanceDegraded: warming,
    deferredIndexes: 0,
    offlineJobs: 0,
    reasons: warming ? ['event_cache_warming'] : [],
  };
}

/** File sizes of the SQLite database; cpamp does not record its last checkpoint (zeros, marked partial). */
export async function databaseFiles(dbPath: string) {
  const [db, wal, shm] = await Promise.all([size(dbPath), size(`${dbPath}-wal`), size(`${dbPath}-shm`)]);
  return {
    databaseBytes: db,
    walBytes: wal,
    shmBytes: shm,
    totalBytes: db + wal + shm,
    journalSizeLimitBytes: JOURNAL_SIZE_LIMIT,
    checkpoint: {
      mode: 'passive',
      busy: 0,
      logFrames: 0,
      checkpointedFrames: 0,
      executedAtMs: 0,
      durationMs: 0,
    },
  };
}
