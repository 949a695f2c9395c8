// Raw-event retention: settings live in the store's settings table ('retention'), a background timer
// applies them (age first, then size) through store.maintenance; rollups are always kept, so long-range
// analytics survive. A run never overlaps another one.
import type { StoreRepositories } from '@cpamp/store';

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
  get(): Promise<RetentionSettings>;
  update(patch: { rawDays?: number | null; maxDbMegabytes?: number | null }): Promise<RetentionSettings>;
  run(): Promise<RetentionRunResult>;
  /** Starts the background timer (first run after `firstDelayMs`); returns stop(). */
  schedule(opts?: { intervalMs?: number; firstDelayMs?: number }): { stop(): void };
}

const KEY = 'retention';
const DAY_MS = 86_400_000;

export function createRetentionService(deps: {
  store: Pick<StoreRepositories, 'settings' | 'maintenance'>;
  now: () => number;
  logger: { info(o: object, m: string): void; error(o: object, m: string): void };
}): RetentionService {
  const { store, now, logger } = deps;
  let running = false;
  const read = async (): Promise<RetentionSettings> => {
    const saved = (await store.settings.get<Partial<RetentionSettings>>(KEY)) ?? {};
    return { rawDays: saved.rawDays ?? null, maxDbMegabytes: saved.maxDbMegabytes ?? null, lastRun: saved.lastRun ?? null };
  };
  const service: RetentionService = {
    get: read,
    async update(patch) {
      const next = { ...(await read()) };
      if (patch.rawDays !== undefined) next.rawDays = patch.rawDays;
      if (patch.maxDbMegabytes !== undefined) next.maxDbMegabytes = patch.maxDbMegabytes;
      await store.settings.set(KEY, next);
      return next;
    },
    async run() {
      const started = now();
      let deletedEvents = 0;
      let reason: RetentionReason = 'none';
      if (running) return { deletedEvents, reason, tookMs: 0 };
      running = true;
      let settings: RetentionSettings;
      try {
        settings = await read();
        if (settings.rawDays !== null) {
          const byAge = (await store.maintenance.pruneByAge(started - settings.rawDays * DAY_MS)).deleted;
          if (byAge > 0) reason = 'age';
          deletedEvents += byAge;
        }
        if (settings.maxDbMegabytes !== null) {
          const bySize = (await store.maintenance.pruneToSize(settings.maxDbMegabytes * 1024 * 1024)).deleted;
          if (bySize > 0) reason = 'size';
          deletedEvents += bySize;
        }
      } finally {
        running = false;
      }
      const lastRun: RetentionLastRun = { atMs: started, deletedEvents, reason };
      await store.settings.set(KEY, { ...(await read()), lastRun });
      const tookMs = Math.max(0, now() - started);
      logger.info({ deletedEvents, reason, tookMs }, 'retention run finished');
      return { deletedEvents, reason, tookMs };
    },
    schedule(opts = {}) {
      const tick = async (): Promise<void> => {
        try {
          const s = await read();
          if (s.rawDays === null && s.maxDbMegabytes === null) return;
          await service.run();
        } catch (error) {
          logger.error({ err: error }, 'retention run failed; will retry at the next interval');
        }
      };
      const first = setTimeout(() => void tick(), opts.firstDelayMs ?? 60_000);
      const timer = setInterval(() => void tick(), opts.intervalMs ?? 3_600_000);
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
