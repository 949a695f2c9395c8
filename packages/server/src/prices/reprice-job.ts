// Re-pricing after a price change, off the request path: a `reprice` job on the server's job runner walks
// each changed model's events in id-range chunks (one short store transaction each, then a turn of the
// event loop), so views keep answering. Progress goes to the live stream and /status like every job;
// after a restart the job resumes at its saved cursor.
import type { Store } from '@cpamp/store';
import type { JobRunner } from '../jobs/job-runner';

export const REPRICE_JOB = 'reprice';

export interface RepriceTarget {
  /** A price entry (model name). */
  model: string;
  /** Events from this time on (null: all history). */
  fromMs: number | null;
}

export interface RepriceParams {
  targets: RepriceTarget[];
  reason: string;
}

export interface RepriceCursor {
  target: number;
  afterId: number;
}

export interface RepriceResult {
  models: { model: string; fromMs: number | null; matched: number; updated: number; missingPrice: number }[];
  updated: number;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function defineRepriceJob(jobs: JobRunner, store: Pick<Store, 'events'>): void {
  jobs.define<RepriceParams, RepriceCursor, RepriceResult>(
    REPRICE_JOB,
    async (ctx) => {
      const { targets } = ctx.params;
      const result: RepriceResult = { models: [], updated: 0 };
      let target = ctx.cursor?.target ?? 0;
      let afterId = ctx.cursor?.afterId ?? 0;
      for (; target < targets.length; target++, afterId = 0) {
        const t = targets[target]!;
        const line = { model: t.model, fromMs: t.fromMs, matched: 0, updated: 0, missingPrice: 0 };
        result.models.push(line);
        for (;;) {
          ctx.signal.throwIfAborted();
          const r = await store.events.repriceChunk({ models: [t.model], fromMs: t.fromMs, afterId });
          afterId = r.lastId;
          line.matched += r.matched;
          line.updated += r.updated;
          line.missingPrice += r.missingPrice;
          result.updated += r.updated;
          // Progress in event ids scanned, over all targets.
          ctx.progress({
            done: target * r.maxId + r.lastId,
            total: targets.length * r.maxId,
            message: `${t.model}: ${line.updated} events re-priced`,
            cursor: { target, afterId },
          });
          if (r.done) break;
          await turn();
        }
      }
      return result;
    },
    { resumable: true },
  );
}

/** Queues a re-price for the changed models (none: nothing to do). */
export async function startReprice(jobs: JobRunner, targets: RepriceTarget[], reason: string) {
  if (targets.length === 0) return null;
  return jobs.start(REPRICE_JOB, { targets, reason } satisfies RepriceParams);
}
