// Re-pricing after a price change, off the request path: a `reprice` job on the server's job runner walks
// each changed model's events in id-range chunks (one short store transaction each, then a turn of the
// event loop), so views keep answering. Progress goes to the live stream and /status like every job;
// after a restart the job resumes at its saved cursor.
import type { ServerStore } from '../server-store';
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
  models: { model: string; fromMs: number | null }[];
  /** Events of the models looked at, re-priced (cost or price flags changed), still without a price. */
  matched: number;
  updated: number;
  missingPrice: number;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A chunk's target duration: views wait at most about this long for the writer between chunks. */
export const CHUNK_BUDGET_MS = 10;

export interface RepriceLoopState {
  matched: number;
  updated: number;
  missingPrice: number;
  lastId: number;
  maxId: number;
  chunks: number;
  span: number;
}

/**
 * Re-prices the events of `models` from `fromMs` on, chunk after chunk with a turn of the event loop in
 * between. The chunk's id span adapts so one chunk takes about `budgetMs` (more rows when the machine
 * is idle, fewer under load), which bounds how long a view request waits behind the writer.
 */
export async function repriceEvents(
  events: Pick<ServerStore['events'], 'repriceChunk'>,
  req: { models: string[] | null; fromMs: number | null },
  opts: { afterId?: number; signal?: AbortSignal; budgetMs?: number; onChunk?: (s: RepriceLoopState) => void } = {},
): Promise<RepriceLoopState> {
  const budget = opts.budgetMs ?? CHUNK_BUDGET_MS;
  const s: RepriceLoopState = { matched: 0, updated: 0, missingPrice: 0, lastId: opts.afterId ?? 0, maxId: 0, chunks: 0, span: 2000 };
  for (;;) {
    opts.signal?.throwIfAborted();
    const t = performance.now();
    const r = await events.repriceChunk({ ...req, afterId: s.lastId, span: s.span });
    const ms = performance.now() - t;
    s.chunks++;
    s.lastId = r.lastId;
    s.maxId = r.maxId;
    s.matched += r.matched;
    s.updated += r.updated;
    s.missingPrice += r.missingPrice;
    // Aim the next chunk at the budget: at most double or halve at a time, between 1,000 and 100,000 ids.
    s.span = Math.round(Math.min(100_000, Math.max(1000, s.span * Math.min(2, Math.max(0.5, budget / Math.max(ms, 0.1))))));
    opts.onChunk?.(s);
    if (r.done) return s;
    await turn();
  }
}

export function defineRepriceJob(jobs: JobRunner, store: Pick<ServerStore, 'events'>): void {
  jobs.define<RepriceParams, RepriceCursor, RepriceResult>(
    REPRICE_JOB,
    async (ctx) => {
      const { targets } = ctx.params;
      // One pass over the events for all changed models: each event is priced with the version in effect
      // at its time, so an event outside a target's range gets its unchanged cost and is left alone.
      const models = [...new Set(targets.map((t) => t.model))];
      const fromMs = targets.some((t) => t.fromMs === null) ? null : Math.min(...targets.map((t) => t.fromMs as number));
      const s = await repriceEvents(
        store.events,
        { models, fromMs },
        {
          afterId: ctx.cursor?.afterId ?? 0,
          signal: ctx.signal,
          // Progress in event ids scanned.
          onChunk: (st) => ctx.progress({ done: st.lastId, total: st.maxId, message: `${st.updated} events re-priced`, cursor: { target: 0, afterId: st.lastId } }),
        },
      );
      return { models: targets, matched: s.matched, updated: s.updated, missingPrice: s.missingPrice };
    },
    { resumable: true },
  );
}

/** Queues a re-price for the changed models (none: nothing to do). */
export async function startReprice(jobs: JobRunner, targets: RepriceTarget[], reason: string) {
  if (targets.length === 0) return null;
  return jobs.start(REPRICE_JOB, { targets, reason } satisfies RepriceParams);
}
