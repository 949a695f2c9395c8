// Storage report and raw-event retention (settings, background schedule, run now) for the admin pages.
// Store-backed: registered in the store scope (plugins/store-routes.ts).
import { storageReportOf, type ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { STATUS_BY_CODE } from '../error-handler';
import { ServerError } from '../errors';
import { jobView } from '../jobs/jobs.schema';
import { createRetentionService, RETENTION_JOB, type RetentionCursor, type RetentionRunResult } from '../maintenance/retention';
import { runsSchedulers } from '../plugins/ha';

const RetentionBody = z.object({
  rawDays: z.number().int().min(1).max(36_500).nullable().optional(),
  maxDbMegabytes: z.number().int().min(1).max(10_000_000).nullable().optional(),
});
const RetentionRunQuery = z.object({
  /** false: answer 202 with the job at once instead of waiting for the run's result. */
  wait: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});

export interface StorageRoutesOptions {
  store: ServerStore;
  now: () => number;
  /** Background retention timer (default: first run after 60 s, then hourly); false turns it off. */
  retentionSchedule?: { intervalMs?: number; firstDelayMs?: number } | false;
}

export default async function storageRoutes(fastify: FastifyInstance, opts: StorageRoutesOptions): Promise<void> {
  const { store } = opts;
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const retention = createRetentionService({ store, now: opts.now, logger: app.log.child({ module: 'retention' }) });
  const jobs = fastify.jobs;
  if (!jobs) throw new ServerError('store_unavailable', 'The job runner is missing: storage routes need the cpamp-jobs plugin.');
  jobs.define<unknown, RetentionCursor, RetentionRunResult>(RETENTION_JOB, (job) => retention.runJob(job), { resumable: true });

  if (opts.retentionSchedule !== false) {
    let timer: { stop(): void } | null = null;
    app.addHook('onReady', async () => {
      // A scheduled run joins nothing: one already queued or running does the same work.
      timer = retention.schedule(opts.retentionSchedule || {}, async () => {
        if (runsSchedulers(fastify) && jobs.pending(RETENTION_JOB) === 0) await jobs.start(RETENTION_JOB, { trigger: 'schedule' });
      });
    });
    app.addHook('onClose', async () => {
      timer?.stop();
    });
  }

  // `memory` (SQLite): which events the in-process column cache holds; ranges before its floor read the database.
  app.get('/v0/management/storage', { exposeHeadRoute: false }, async () => ({
    ...(await storageReportOf(store)),
    memory: store.cacheStatus ? store.cacheStatus() : null,
    retention: await retention.get(),
  }));

  app.get('/v0/management/retention', { exposeHeadRoute: false }, async () => retention.get());

  app.put('/v0/management/retention', { schema: { body: RetentionBody } }, async (request) => {
    const next = await retention.update(request.body);
    request.log.info({ rawDays: next.rawDays, maxDbMegabytes: next.maxDbMegabytes }, 'retention settings changed');
    return next;
  });

  // A background job (kind `retention`): by default the reply waits for its result (the shape the panel
  // reads, plus `jobId`); `?wait=false` answers 202 with the job at once, to follow on the live stream.
  app.post('/v0/management/retention/run', { schema: { querystring: RetentionRunQuery } }, async (request, reply) => {
    const job = await jobs.start(RETENTION_JOB, { trigger: 'manual' });
    if (!request.query.wait) return reply.code(202).send({ job: jobView(job) });
    const done = await jobs.settled(job.id);
    if (done.state === 'succeeded') return { ...(done.result as RetentionRunResult), jobId: done.id };
    const error = done.error ?? { code: 'job_cancelled', message: 'The retention run was cancelled before it finished.' };
    const status = error.code in STATUS_BY_CODE ? STATUS_BY_CODE[error.code as keyof typeof STATUS_BY_CODE] : 500;
    return reply.code(status).send({ error: error.message, code: error.code, jobId: done.id });
  });
}
