// Storage report and raw-event retention (settings, background schedule, run now) for the admin pages.
// Store-backed: registered in the store scope (plugins/store-routes.ts).
import type { Store } from '@cpamp/store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createRetentionService } from '../maintenance/retention';

const RetentionBody = z.object({
  rawDays: z.number().int().min(1).max(36_500).nullable().optional(),
  maxDbMegabytes: z.number().int().min(1).max(10_000_000).nullable().optional(),
});

export interface StorageRoutesOptions {
  store: Store;
  now: () => number;
  /** Background retention timer (default: first run after 60 s, then hourly); false turns it off. */
  retentionSchedule?: { intervalMs?: number; firstDelayMs?: number } | false;
}

export default async function storageRoutes(fastify: FastifyInstance, opts: StorageRoutesOptions): Promise<void> {
  const { store } = opts;
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const retention = createRetentionService({ store, now: opts.now, logger: app.log.child({ module: 'retention' }) });

  if (opts.retentionSchedule !== false) {
    let timer: { stop(): void } | null = null;
    app.addHook('onReady', async () => {
      timer = retention.schedule(opts.retentionSchedule || {});
    });
    app.addHook('onClose', async () => {
      timer?.stop();
    });
  }

  app.get('/v0/management/storage', { exposeHeadRoute: false }, async () => ({ ...(await store.storageReport()), retention: await retention.get() }));

  app.get('/v0/management/retention', { exposeHeadRoute: false }, async () => retention.get());

  app.put('/v0/management/retention', { schema: { body: RetentionBody } }, async (request) => {
    const next = await retention.update(request.body);
    request.log.info({ rawDays: next.rawDays, maxDbMegabytes: next.maxDbMegabytes }, 'retention settings changed');
    return next;
  });

  app.post('/v0/management/retention/run', async () => retention.run());
}
