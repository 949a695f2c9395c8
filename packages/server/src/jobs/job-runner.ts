// The one runner for long work (retention, imports, re-pricing, inspection runs, bulk account actions):
// every job is a row in the store's `jobs` table, so it can be listed, cancelled and, after a restart,
// resumed from its saved cursor (or marked failed with a reason). Progress goes to the live hub as `job`
// events. Cancellation is cooperative: the handler checks its AbortSignal between chunks.
import { isCpaError } from '@cpamp/sdk-cpa';
import { isStoreError, type JobListFilter, type JobRecord, type JobsRepository, type JobState } from '@cpamp/store';
import { ServerError, isServerError } from '../errors';

export interface JobProgressUpdate<C = unknown> {
  done: number;
  /** Omitted: unchanged; null: unknown. */
  total?: number | null;
  message?: string | null;
  /** Where a resumed run carries on; saved with the (throttled) progress and on shutdown. */
  cursor?: C;
}

export interface JobHandlerContext<P = unknown, C = unknown> {
  readonly job: { readonly id: number; readonly kind: string };
  readonly params: P;
  /** The last saved cursor when the job resumes after a restart; null on a first run. */
  readonly cursor: C | null;
  /** Aborted on cancel and on shutdown: stop between chunks (throwing the reason is fine). */
  readonly signal: AbortSignal;
  progress(update: JobProgressUpdate<C>): void;
}

export type JobHandler<P = unknown, C = unknown, R = unknown> = (ctx: JobHandlerContext<P, C>) => Promise<R>;

export interface JobKindOptions {
  /** Resume from the saved cursor after a restart (default false: the job is marked failed). */
  resumable?: boolean;
  /** Jobs of this kind running at once (default: the runner's `concurrency`, 1). */
  concurrency?: number;
}

export interface JobRunnerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobRunnerOptions {
  jobs: JobsRepository;
  /** Receives every change of a job (the live hub's `job` events). */
  publish: (job: JobRecord) => void;
  logger: JobRunnerLogger;
  now?: () => number;
  /** Default jobs of one kind running at once (default 1). */
  concurrency?: number;
  /** Progress is saved and published at most this often per job (default 500 ms); state changes always are. */
  progressIntervalMs?: number;
  /** Finished jobs kept in the store (default 200). */
  keepFinished?: number;
  /** How long close() waits for aborted handlers to stop (default 10 s). */
  stopTimeoutMs?: number;
}

export interface JobRunner {
  define<P = unknown, C = unknown, R = unknown>(kind: string, handler: JobHandler<P, C, R>, opts?: JobKindOptions): void;
  /** Queues a job and returns its record at once (state `queued`); it runs when its kind has a free slot. */
  start(kind: string, params?: unknown): Promise<JobRecord>;
  get(id: number): Promise<JobRecord | undefined>;
  /** Newest first. */
  list(filter?: JobListFilter): Promise<JobRecord[]>;
  /** Requests cancellation: a queued job is cancelled at once, a running one when its handler stops. */
  cancel(id: number): Promise<JobRecord>;
  /** Resolves with the job once it is finished (succeeded, failed or cancelled). */
  settled(id: number): Promise<JobRecord>;
  /** Jobs of `kind` queued or running in this process. */
  pending(kind: string): number;
  /** Start-up: resumes jobs a previous process left running (resumable kinds), fails the rest, runs queued ones. */
  recover(): Promise<void>;
  /** Aborts running jobs (they stay `running` with their last cursor, to resume on the next start). */
  close(): Promise<void>;
}


const FINAL: ReadonlySet<JobState> = new Set<JobState>(['succeeded', 'failed', 'cancelled']);

interface KindDef {
  handler: JobHandler<unknown, unknown, unknown>;
  resumable: boolean;
  concurrency: number;
}

interface Active {
  controller: AbortController;
  cancelled: boolean;
  /** Progress not yet saved (throttled). */
  dirty: boolean;
  lastFlushMs: number;
  /** Writes of this job, in order. */
  writes: Promise<unknown>;
  /** Saves and publishes throttled progress once the interval is over, if nothing newer did. */
  trailing: NodeJS.Timeout | null;
  /** The record as the handler last reported it (for a cancel published between saves). */
  current: JobRecord | null;
}

/** A job's failure as a coded error: our own codes and messages are safe to show, anything else is logged. */
export function jobError(error: unknown): { code: string; message: string } {
  if (isServerError(error) || isStoreError(error) || isCpaError(error)) return { code: error.code, message: error.message };
  return { code: 'job_failed', message: 'The job failed with an unexpected error; see the server log for details.' };
}

export function createJobRunner(opts: JobRunnerOptions): JobRunner {
  const { jobs, logger } = opts;
  const now = opts.now ?? Date.now;
  const interval = opts.progressIntervalMs ?? 500;
  const kinds = new Map<string, KindDef>();
  const queues = new Map<string, number[]>();
  const active = new Map<number, Active>();
  const runningByKind = new Map<string, number>();
  const waiters = new Map<number, { resolve: (job: JobRecord) => void; reject: (e: unknown) => void }[]>();
  const runs = new Set<Promise<void>>();
  let closing = false;

  const kindOf = (kind: string): KindDef => {
    const def = kinds.get(kind);
    if (!def) throw new ServerError('bad_request', `No background job kind "${kind}" is defined.`);
    return def;
  };

  const settle = (job: JobRecord): void => {
    opts.publish(job);
    for (const w of waiters.get(job.id) ?? []) w.resolve(job);
    waiters.delete(job.id);
  };

  const finish = async (id: number, patch: Parameters<JobsRepository['update']>[1]): Promise<JobRecord | undefined> => {
    const job = await jobs.update(id, patch);
    if (!job) return undefined;
    settle(job);
    await jobs
      .prune({ keep: opts.keepFinished ?? 200 })
      .catch((err: unknown) => logger.warn({ err }, 'jobs: pruning finished jobs failed'));
    return job;
  };

  const flush = (a: Active, job: JobRecord): Promise<unknown> => {
    if (!a.dirty) return a.writes;
    a.dirty = false;
    a.lastFlushMs = now();
    const { progress, cursor } = job;
    a.writes = a.writes
      .then(() => jobs.update(job.id, { progress, cursor }))
      .catch((err: unknown) => logger.warn({ err, job: job.id }, 'jobs: saving progress failed'));
    return a.writes;
  };

  const pump = (kind: string): void => {
    if (closing) return;
    const def = kinds.get(kind);
    const queue = queues.get(kind);
    if (!def || !queue) return;
    while (queue.length > 0 && (runningByKind.get(kind) ?? 0) < def.concurrency) {
      const id = queue.shift() as number;
      runningByKind.set(kind, (runningByKind.get(kind) ?? 0) + 1);
      const run = execute(id, kind, def).finally(() => {
        runs.delete(run);
        runningByKind.set(kind, (runningByKind.get(kind) ?? 1) - 1);
        pump(kind);
      });
      runs.add(run);
    }
  };

  const execute = async (id: number, kind: string, def: KindDef): Promise<void> => {
    // Registered before the first await, so a cancel arriving while the job starts finds it.
    const a: Active = {
      controller: new AbortController(),
      cancelled: false,
      dirty: false,
      lastFlushMs: now(),
      writes: Promise.resolve(),
      trailing: null,
      current: null,
    };
    active.set(id, a);
    try {
      const record = await jobs.update(id, { state: 'running' });
      if (!record) return;
      if (record.cancelRequested || a.cancelled) {
        // Cancelled before this process got to it (e.g. requested just before a restart).
        await finish(id, { state: 'cancelled' });
        return;
      }
      let current = record;
      a.current = record;
      opts.publish(record);
      logger.info({ job: id, kind, resumed: record.cursor !== null }, 'job started');
      let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
      try {
        const result = await def.handler({
          job: { id, kind },
          params: record.params,
          cursor: record.cursor,
          signal: a.controller.signal,
          progress(update) {
            const p = current.progress;
            current = {
              ...current,
              progress: {
                done: update.done,
                total: update.total === undefined ? p.total : update.total,
                message: update.message === undefined ? p.message : update.message,
              },
              cursor: update.cursor === undefined ? current.cursor : update.cursor,
              updatedMs: now(),
            };
            a.current = current;
            a.dirty = true;
            // Throttled: a handler may report every row; the store and the stream see a few updates a second.
            const since = now() - a.lastFlushMs;
            if (since >= interval) {
              void flush(a, current);
              opts.publish(current);
            } else if (!a.trailing) {
              // The last report before a long chunk still reaches the store and the stream.
              a.trailing = setTimeout(() => {
                a.trailing = null;
                if (!a.dirty || !a.current) return;
                void flush(a, a.current);
                opts.publish(a.current);
              }, Math.max(0, interval - since));
              a.trailing.unref();
            }
          },
        });
        outcome = { ok: true, result };
      } catch (error) {
        outcome = { ok: false, error };
      }
      if (a.trailing) clearTimeout(a.trailing);
      a.trailing = null;
      await flush(a, current);
      if (!outcome.ok && closing && !a.cancelled) {
        // Left `running` with its last cursor: the next start resumes it or marks it interrupted.
        logger.info({ job: id, kind }, 'job stopped by shutdown');
        return;
      }
      const { progress } = current;
      if (a.cancelled) {
        logger.info({ job: id, kind }, 'job cancelled');
        await finish(id, { state: 'cancelled', progress, ...(outcome.ok ? { result: outcome.result ?? null } : {}) });
      } else if (outcome.ok) {
        logger.info({ job: id, kind }, 'job succeeded');
        await finish(id, { state: 'succeeded', progress, result: outcome.result ?? null, error: null });
      } else {
        const error = jobError(outcome.error);
        if (error.code === 'job_failed') logger.error({ err: outcome.error, job: id, kind }, 'job failed');
        else logger.warn({ job: id, kind, code: error.code, message: error.message }, 'job failed');
        await finish(id, { state: 'failed', progress, error });
      }
    } catch (err) {
      logger.error({ err, job: id, kind }, 'jobs: recording the start or end of a job failed');
    } finally {
      if (a.trailing) clearTimeout(a.trailing);
      active.delete(id);
    }
  };

  const enqueue = (kind: string, id: number, front = false): void => {
    const queue = queues.get(kind) ?? [];
    queues.set(kind, queue);
    if (front) queue.unshift(id);
    else queue.push(id);
  };

  return {
    define(kind, handler, o = {}) {
      if (kinds.has(kind)) throw new Error(`Background job kind "${kind}" is already defined.`);
      kinds.set(kind, {
        handler: handler as JobHandler<unknown, unknown, unknown>,
        resumable: o.resumable ?? false,
        concurrency: Math.max(1, o.concurrency ?? opts.concurrency ?? 1),
      });
    },
    async start(kind, params) {
      kindOf(kind);
      if (closing) throw new ServerError('store_unavailable', 'The server is shutting down; start the job again after the restart.');
      const job = await jobs.create({ kind, params: params ?? null });
      opts.publish(job);
      enqueue(kind, job.id);
      pump(kind);
      return job;
    },
    get: (id) => jobs.get(id),
    list: (filter) => jobs.list(filter),
    async cancel(id) {
      const job = await jobs.get(id);
      if (!job) throw new ServerError('not_found', `No background job ${id}.`);
      if (FINAL.has(job.state)) throw new ServerError('job_finished', `Job ${id} has already finished (${job.state}); there is nothing to cancel.`);
      const running = active.get(id);
      if (running) {
        const flagged = (await jobs.requestCancel(id)) ?? job;
        running.cancelled = true;
        running.controller.abort(new ServerError('job_cancelled', `Job ${id} was cancelled.`));
        // Progress saves are throttled: the handler's last report is newer than the stored one.
        const view = running.current ? { ...flagged, progress: running.current.progress } : flagged;
        opts.publish(view);
        return view;
      }
      // Queued here, or left over with no handler in this process: cancelled at once.
      const queue = queues.get(job.kind);
      const at = queue?.indexOf(id) ?? -1;
      if (at >= 0) queue?.splice(at, 1);
      await jobs.requestCancel(id);
      return (await finish(id, { state: 'cancelled' })) ?? job;
    },
    settled(id) {
      return new Promise<JobRecord>((resolve, reject) => {
        const waiter = { resolve, reject };
        const list = waiters.get(id) ?? [];
        waiters.set(id, list);
        list.push(waiter);
        const done = (fn: () => void) => {
          const at = list.indexOf(waiter);
          if (at >= 0) list.splice(at, 1);
          if (list.length === 0 && waiters.get(id) === list) waiters.delete(id);
          fn();
        };
        // A job that finished before this call resolves from the store.
        jobs.get(id).then(
          (job) => {
            if (!job) done(() => reject(new ServerError('not_found', `No background job ${id}.`)));
            else if (FINAL.has(job.state)) done(() => resolve(job));
          },
          (err: unknown) => done(() => reject(err)),
        );
      });
    },
    pending: (kind) => (runningByKind.get(kind) ?? 0) + (queues.get(kind)?.length ?? 0),
    async recover() {
      const left = (await jobs.list({ states: ['queued', 'running'], limit: 1000 })).reverse();
      const resumed: JobRecord[] = [];
      for (const job of left) {
        if (active.has(job.id) || queues.get(job.kind)?.includes(job.id)) continue;
        const def = kinds.get(job.kind);
        if (!def || (job.state === 'running' && !def.resumable)) {
          const message = def
            ? 'Interrupted by a restart; this kind of job cannot resume. Start it again.'
            : `Interrupted by a restart; no handler for job kind "${job.kind}" is defined any more.`;
          logger.warn({ job: job.id, kind: job.kind }, 'job interrupted by a restart');
          await finish(job.id, { state: 'failed', error: { code: 'job_interrupted', message } });
        } else if (job.state === 'running') {
          resumed.push(job);
        } else {
          enqueue(job.kind, job.id);
        }
      }
      // Jobs that were running go first, in their original order.
      for (const job of resumed.reverse()) enqueue(job.kind, job.id, true);
      for (const kind of queues.keys()) pump(kind);
    },
    async close() {
      if (closing) return;
      closing = true;
      queues.clear();
      const shutdown = new ServerError('store_unavailable', 'The server is shutting down; the job stops here.');
      for (const a of active.values()) a.controller.abort(shutdown);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), opts.stopTimeoutMs ?? 10_000);
      });
      const outcome = await Promise.race([Promise.allSettled([...runs]).then(() => 'stopped' as const), timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') logger.warn({ jobs: [...active.keys()] }, 'jobs: some handlers ignored the shutdown signal');
      const closed = new ServerError('store_unavailable', 'The server shut down before the job finished.');
      for (const list of waiters.values()) for (const w of list) w.reject(closed);
      waiters.clear();
    },
  };
}
