// GET /v0/management/jobs, GET /v0/management/jobs/:id, POST /v0/management/jobs/:id/cancel. Jobs are
// started by the routes of their own area (e.g. POST /v0/management/retention/run); these list and stop them.
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors';
import type { JobRunner } from './job-runner';
import { JobIdParams, JobListQuery, JobListSchema, JobViewSchema, jobView } from './jobs.schema';

export const JOBS_PATH = '/v0/management/jobs';

export default async function jobsRoutes(fastify: FastifyInstance, opts: { runner: JobRunner | null }): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const runner = (): JobRunner => {
    if (!opts.runner) throw new ServerError('store_unavailable', 'This server runs without a usage database, so it keeps no background jobs.');
    return opts.runner;
  };

  app.get(
    JOBS_PATH,
    { exposeHeadRoute: false, schema: { querystring: JobListQuery, response: { 200: JobListSchema } } },
    async (request) => {
      const q = request.query;
      const jobs = await runner().list({
        ...(q.state?.length ? { states: q.state } : {}),
        ...(q.kind !== undefined ? { kind: q.kind } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
        limit: q.limit,
      });
      return { jobs: jobs.map(jobView) };
    },
  );

  app.get(
    `${JOBS_PATH}/:id`,
    { exposeHeadRoute: false, schema: { params: JobIdParams, response: { 200: JobViewSchema } } },
    async (request) => {
      const job = await runner().get(request.params.id);
      if (!job) throw new ServerError('not_found', `No background job ${request.params.id}.`);
      return jobView(job);
    },
  );

  app.post(
    `${JOBS_PATH}/:id/cancel`,
    { schema: { params: JobIdParams, response: { 200: JobViewSchema } } },
    async (request) => {
      const job = await runner().cancel(request.params.id);
      request.log.info({ job: job.id, kind: job.kind, state: job.state }, 'job cancel requested');
      return jobView(job);
    },
  );
}
