// Two collectors: CPA hands each usage record to ONE consumer, so a CPA Manager Plus still running beside
// cpamp (a side-by-side trial) takes part of the records. cpamp cannot see CPA's consumers; what it can see
// is Plus's database it switched from. The heuristic: Plus runs when it holds its lock on that database (flock,
// visible in /proc/locks from any container on the same host and volume), or when the database or its WAL
// changed after cpamp's migration (Plus wrote to it since). A Plus on another volume or host is not seen; the
// collector doctor's rate probe (probeSecondConsumer) covers that case while cpamp polls.
import { existsSync, statSync } from 'node:fs';
import { plusLockHeld } from './plus-files';

export interface PlusSideBySide {
  detected: boolean;
  /** Why, in one sentence (null when nothing was detected). */
  detail: string | null;
  /** Plus's database the switch was made from. */
  source: string;
}

/** `migratedAtMs`: when cpamp copied Plus's data (the plus.migration setting). */
export function detectPlusSideBySide(
  source: string,
  migratedAtMs: number,
  procLocks?: string,
): PlusSideBySide {
  if (plusLockHeld(source, procLocks)) {
    return {
      detected: true,
      source,
      detail: `CPA Manager Plus is running on ${source} (it holds its lock): it pops the same CPA usage queue, so each record reaches only one of Plus and cpamp. Stop Plus, or run cpamp with USAGE_COLLECTOR_MODE=subscribe for a side-by-side trial.`,
    };
  }
  // A second of slack: the copy was taken right after Plus's last write.
  const changed = [source, `${source}-wal`].find(
    (p) => existsSync(p) && statSync(p).mtimeMs > migratedAtMs + 1000,
  );
  if (changed) {
    return {
      detected: true,
      source,
      detail: `CPA Manager Plus's database ${changed} changed after cpamp took it over: Plus has run since, and while both run each CPA usage record reaches only one of them.`,
    };
  }
  return { detected: false, source, detail: null };
}
