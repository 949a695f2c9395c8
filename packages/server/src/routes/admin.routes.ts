// Admin pages' backend: storage report, raw-event retention (settings, background schedule, run now),
// the collector page (status, coverage gaps, doctor findings). Listed in docs/reference/http-api.md.
import type { CoverageGap } from '@cpamp/collector';
import type { Store } from '@cpamp/store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../context';
import { toDoctorReport, type DoctorReport } from '../doctor/run-doctor';
import { ServerError } from '../errors';
import { jobView } from '../jobs/jobs.schema';
import { createRetentionService, RETENTION_JOB, type RetentionCursor, type RetentionRunResult, type RetentionService } from '../maintenance/retention';
import { STATUS_BY_CODE } from '../error-handler';
import { collectorStatus } from './system.routes';

const GAPS_KEY = 'coverage_gaps';
const DOCTOR_KEY = 'collector_doctor_last';
/** Kept in the settings table; older gaps fall off (the coverage view shows recent history). */
const MAX_GAPS = 200;

export interface CoverageGapView {
  fromMs: number;
  toMs: number;
  reason: string;
  detail?: string;
  lossLikely: boolean;
}

const RetentionBody = z.object({
  rawDays: z.number().int().min(1).max(36_500).nullable().optional(),
  maxDbMegabytes: z.number().int().min(1).max(10_000_000).nullable().optional(),
});
const RetentionRunQuery = z.object({
  /** false: answer 202 with the job at once instead of waiting for the run's result. */
  wait: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});
const DoctorBody = z
  .object({
    probeSecondConsumer: z.boolean().optional(),
    probeWindowMs: z.number().int().min(100).max(30_000).optional(),
  })
  .nullish();

function requireStore(ctx: ServerContext): Store {
  if (!ctx.store) throw new ServerError('store_unavailable', 'This server runs without a usage database; start it with a data directory to use storage and retention.');
  return ctx.store;
}

function gapView(g: CoverageGap): CoverageGapView {
  return { fromMs: g.startMs, toMs: g.endMs, reason: g.kind, ...(g.detail ? { detail: g.detail } : {}), lossLikely: g.lossLikely };
}

export interface AdminRoutesOptions {
  ctx: ServerContext;
  /** Background retention timer (default: first run after 60 s, then hourly). */
  retentionSchedule?: { intervalMs?: number; firstDelayMs?: number } | false;
}

export default async function adminRoutes(fastify: FastifyInstance, opts: AdminRoutesOptions): Promise<void> {
  const { ctx } = opts;
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const store = ctx.store;
  const retention: RetentionService | null = store ? createRetentionService({ store, now: ctx.now, logger: app.log.child({ module: 'retention' }) }) : null;

  if (store) {
    ctx.collector?.on('gap', (gap) => {
      try {
        const gaps = store.settings.get<CoverageGapView[]>(GAPS_KEY) ?? [];
        gaps.push(gapView(gap));
        store.settings.set(GAPS_KEY, gaps.slice(-MAX_GAPS));
      } catch (error) {
        app.log.warn({ err: error }, 'cannot persist a coverage gap');
      }
    });
  }
  const jobs = fastify.jobs;
  if (retention && jobs) jobs.define<unknown, RetentionCursor, RetentionRunResult>(RETENTION_JOB, (job) => retention.runJob(job), { resumable: true });
  if (retention && jobs && opts.retentionSchedule !== false) {
    let timer: { stop(): void } | null = null;
    app.addHook('onReady', async () => {
      // A scheduled run joins nothing: one already queued or running does the same work.
      timer = retention.schedule(opts.retentionSchedule || {}, async () => {
        if (jobs.pending(RETENTION_JOB) === 0) await jobs.start(RETENTION_JOB, { trigger: 'schedule' });
      });
    });
    app.addHook('onClose', async () => {
      timer?.stop();
    });
  }
  let lastDoctor: DoctorReport | null = null;
  const requireRetention = (): RetentionService => {
    requireStore(ctx);
    return retention as RetentionService;
  };

  app.get('/v0/management/storage', { exposeHeadRoute: false }, async () => {
    const s = requireStore(ctx);
    return { ...s.storageReport(), retention: requireRetention().get() };
  });

  app.get('/v0/management/retention', { exposeHeadRoute: false }, async () => requireRetention().get());

  app.put('/v0/management/retention', { schema: { body: RetentionBody } }, async (request) => {
    const next = requireRetention().update(request.body);
    request.log.info({ rawDays: next.rawDays, maxDbMegabytes: next.maxDbMegabytes }, 'retention settings changed');
    return next;
  });

  // A background job (kind `retention`): by default the reply waits for its result (the shape the panel
  // reads, plus `jobId`); `?wait=false` answers 202 with the job at once, to follow on the live stream.
  app.post('/v0/management/retention/run', { schema: { querystring: RetentionRunQuery } }, async (request, reply) => {
    requireRetention();
    if (!jobs) throw new ServerError('store_unavailable', 'This server runs without a usage database.');
    const job = await jobs.start(RETENTION_JOB, { trigger: 'manual' });
    if (!request.query.wait) return reply.code(202).send({ job: jobView(job) });
    const done = await jobs.settled(job.id);
    if (done.state === 'succeeded') return { ...(done.result as RetentionRunResult), jobId: done.id };
    const error = done.error ?? { code: 'job_cancelled', message: 'The retention run was cancelled before it finished.' };
    const status = error.code in STATUS_BY_CODE ? STATUS_BY_CODE[error.code as keyof typeof STATUS_BY_CODE] : 500;
    return reply.code(status).send({ error: error.message, code: error.code, jobId: done.id });
  });

  app.get('/v0/management/collector', { exposeHeadRoute: false }, async () => {
    const connection = ctx.connection.current();
    const settings = ctx.connection.collectorSettings();
    const saved = ctx.store?.settings.get<CoverageGapView[]>(GAPS_KEY) ?? null;
    const gaps = saved ?? (ctx.collector?.status()?.recentGaps ?? []).map(gapView);
    return {
      status: collectorStatus(ctx, connection?.baseUrl ?? '', settings.mode, settings.queue),
      coverage: { gaps: [...gaps].sort((a, b) => b.fromMs - a.fromMs) },
      doctor: ctx.store?.settings.get<DoctorReport>(DOCTOR_KEY) ?? lastDoctor,
    };
  });

  app.post('/v0/management/collector/doctor', { schema: { body: DoctorBody } }, async (request) => {
    const o = request.body ?? {};
    const raw = await ctx.collector?.diagnose({ probeSecondConsumer: o.probeSecondConsumer ?? false, probeWindowMs: o.probeWindowMs ?? 2_000 });
    const report: DoctorReport = raw
      ? toDoctorReport(raw, ctx.now())
      : {
          atMs: ctx.now(),
          findings: [
            ctx.connection.current()
              ? { id: 'collector-disabled', level: 'warn', ok: false, title: 'The collector is turned off', detail: 'Usage monitoring is disabled for this connection, so nothing is collected.', fix: 'Enable the collector in the connection settings (PUT /usage-service/config with collector.enabled = true).' }
              : { id: 'not-configured', level: 'error', ok: false, title: 'No CPA connection is configured', detail: 'The server has no CPA URL and management key, so it cannot collect usage.', fix: 'Complete setup in the panel, or set CPA_UPSTREAM_URL and CPA_MANAGEMENT_KEY.' },
          ],
        };
    lastDoctor = report;
    ctx.store?.settings.set(DOCTOR_KEY, report);
    return report;
  });
}
