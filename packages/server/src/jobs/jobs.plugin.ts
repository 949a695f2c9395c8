// Creates the job runner (when there is a store), decorates the app with it as `jobs` (fastify-plugin, so
// every route plugin can define and start jobs), registers the job routes, recovers jobs a previous process
// left behind once the app is ready (after every plugin defined its kinds) and stops running jobs on close.
import type { ServerStore } from '../server-store';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { LiveHub } from '../live/live-hub';
import { SCHEDULER_LEASE } from '../ha/lease-manager';
import { createJobRunner, type JobRunner } from './job-runner';
import jobsRoutes from './jobs.routes';
import { jobView } from './jobs.schema';

declare module 'fastify' {
  interface FastifyInstance {
    /** The background-job runner; null when the server runs without a store. */
    jobs: JobRunner | null;
  }
}

export interface JobsPluginOptions {
  store: Pick<ServerStore, 'jobs'> | null;
  live: Pick<LiveHub, 'publish'>;
  now: () => number;
  /** Jobs of one kind running at once (default 1; a kind may set its own). */
  concurrency?: number;
  /** Progress saved and published at most this often per job (default 500 ms). */
  progressIntervalMs?: number;
}

async function jobsPlugin(app: FastifyInstance, opts: JobsPluginOptions): Promise<void> {
  const runner = opts.store
    ? createJobRunner({
        jobs: opts.store.jobs,
        publish: (job) => opts.live.publish('job', jobView(job)),
        logger: app.log.child({ module: 'jobs' }),
        now: opts.now,
        ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
        ...(opts.progressIntervalMs !== undefined ? { progressIntervalMs: opts.progressIntervalMs } : {}),
      })
    : null;
  app.decorate('jobs', runner);
  await app.register(jobsRoutes, { runner });
  if (!runner) return;
  // With several instances on one database, only the scheduler lease's holder recovers (cpamp-ha).
  if (app.hasDecorator('ha')) {
    app.ha.role(SCHEDULER_LEASE, { start: () => runner.recover(), stop: () => undefined });
  } else {
    app.addHook('onReady', async () => {
      await runner.recover();
    });
  }
  app.addHook('onClose', async () => {
    await runner.close();
  });
}

export default fp(jobsPlugin, { name: 'cpamp-jobs' });
