// Raw-event retention: settings live in the store's settings table ('retention'), a background timer
// applies them (age first, then size) through store.maintenance; rollups are always kept, so long-range
// analytics survive. A run is a background job (kind `retention`, one at a time, resumable between steps).
import type { Store } from '@cpamp/store';
import type { JobHandlerContext } from '../jobs/job-runner';

export type RetentionReason = 'age' | 'size' | 'none';

export interface RetentionLastRun {
  atMs: number;
  deletedEvents: number;
  reason: RetentionReason;
}

export interface RetentionSettings {
  /** Keep raw events for this many days (null: forever). */
  rawDays: number | null;
  /** Shrink the database to about this size by dropping the oldest raw events (null: no limit). */
  maxDbMegabytes: number | null;
  lastRun: RetentionLastRun | null;
}

export interface RetentionRunResult {
  deletedEvents: number;
  reason: RetentionReason;
  tookMs: number;
}

export interface RetentionService {
  get(): RetentionSettings;
  update(patch: { rawDays?: number | null; maxDbMegabytes?: number | null }): RetentionSettings;
  /** One run as a background job: by age, then by size; it stops (and resumes) between the two steps. */
  runJob(ctx: Pick<JobHandlerContext<unknown, RetentionCursor>, 'cursor' | 'signal' | 'progress'>): Promise<RetentionRunResult>;
  /** Calls `start` on a timer (first after `firstDelayMs`) while a limit is set; returns stop(). */
  schedule(opts: { intervalMs?: number; firstDelayMs?: number }, start: () => Promise<unknown>): { stop(): void };
}

/** Where a run is: the next step (0 age, 1 size, 2 done) and what the finished steps did. */
export interface RetentionCursor {
  step: number;
  startedMs: number;
  deletedEvents: number;
  reason: RetentionReason;
}

export const RETENTION_JOB = 'retention';
const KEY = 'retention';
const DAY_MS = 86_400_000;
const STEPS = 2;

export function createRetentionService(deps: {
  store: Store;
  now: () => number;
  logger: { info(o: object, m: string): void; error(o: object, m: string): void };
}): RetentionService {
  const { store, now, logger } = deps;
  const read = (): RetentionSettings => {
    const saved = store.settings.get<Partial<RetentionSettings>>(KEY) ?? {};
    return { rawDays: saved.rawDays ?? null, maxDbMegabytes: saved.maxDbMegabytes ?? null, lastRun: saved.lastRun ?? null };
  };
  const service: RetentionService = {
    get: read,
    update(patch) {
      const next = { ...read() };
      if (patch.rawDays !== undefined) next.rawDays = patch.rawDays;
      if (patch.maxDbMegabytes !== undefined) next.maxDbMegabytes = patch.maxDbMegabytes;
      store.settings.set(KEY, next);
      return next;
    },
    async runJob({ cursor, signal, progress }) {
      const settings = read();
      let at: RetentionCursor = cursor ?? { step: 0, startedMs: now(), deletedEvents: 0, reason: 'none' };
      while (at.step < STEPS) {
        signal.throwIfAborted();
        let deleted = 0;
        let reason: RetentionReason = at.reason;
        if (at.step === 0 && settings.rawDays !== null) {
          progress({ done: at.step, total: STEPS, message: `deleting raw events older than ${settings.rawDays} days` });
          deleted = (await store.maintenance.pruneByAge(at.startedMs - settings.rawDays * DAY_MS)).deleted;
          if (deleted > 0) reason = 'age';
        } else if (at.step === 1 && settings.maxDbMegabytes !== null) {
          progress({ done: at.step, total: STEPS, message: `shrinking the database to ${settings.maxDbMegabytes} MB` });
          deleted = (await store.maintenance.pruneToSize(settings.maxDbMegabytes * 1024 * 1024)).deleted;
          if (deleted > 0) reason = 'size';
        }
        at = { ...at, step: at.step + 1, deletedEvents: at.deletedEvents + deleted, reason };
        progress({ done: at.step, total: STEPS, message: `${at.deletedEvents} raw events deleted`, cursor: at });
      }
      const { deletedEvents, reason } = at;
      const lastRun: RetentionLastRun = { atMs: at.startedMs, deletedEvents, reason };
      store.settings.set(KEY, { ...read(), lastRun });
      const tookMs = Math.max(0, now() - at.startedMs);
      logger.info({ deletedEvents, reason, tookMs }, 'retention run finished');
      return { deletedEvents, reason, tookMs };
    },
    schedule(opts, start) {
      const tick = (): void => {
        const s = read();
        if (s.rawDays === null && s.maxDbMegabytes === null) return;
        start().catch((error: unknown) => logger.error({ err: error }, 'retention run could not start; will retry at the next interval'));
      };
      const first = setTimeout(tick, opts.firstDelayMs ?? 60_000);
      const timer = setInterval(tick, opts.intervalMs ?? 3_600_000);
      first.unref();
      timer.unref();
      return {
        stop: () => {
          clearTimeout(first);
          clearInterval(timer);
        },
      };
    },
  };
  return service;
}
