// cpamp-collector: the usage collector for the current CPA connection as `app.collector`, started once the
// app is ready and stopped (drained into the store) on close. Without a store, or when turned off, an idle
// stand-in takes its place so readers need no null checks.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createCollectorHost, createIdleCollectorHost } from '../collector-host';
import { collectorLease } from '../ha/lease-manager';

export interface CollectorPluginOptions {
  /** Run the collector (it also needs cpamp-store). */
  enabled: boolean;
  dataDir: string;
  now: () => number;
  /** Longest wait for the collector to drain on close. */
  stopTimeoutMs?: number;
}

async function collectorPlugin(app: FastifyInstance, opts: CollectorPluginOptions): Promise<void> {
  if (!opts.enabled || !app.hasDecorator('store')) {
    app.decorate('collector', createIdleCollectorHost());
    return;
  }
  const host = createCollectorHost({
    connection: app.cpa.connection,
    store: app.store,
    dataDir: opts.dataDir,
    logger: app.log.child({ module: 'collector' }),
    now: opts.now,
    ...(opts.stopTimeoutMs !== undefined ? { stopTimeoutMs: opts.stopTimeoutMs } : {}),
  });
  app.decorate('collector', host);
  // Listener first: the collector starts once the app is ready, never before — and, with several instances
  // on one database, only while this one holds the upstream's lease (cpamp-ha starts it at onReady).
  if (app.hasDecorator('ha')) {
    app.ha.role(collectorLease('default'), { start: () => void host.start(), stop: () => host.pause() });
  } else {
    app.addHook('onReady', async () => {
      void host.start();
    });
  }
  app.addHook('onClose', async () => host.stop());
}

export default fp(collectorPlugin, { name: 'cpamp-collector', fastify: '5.x', dependencies: ['cpamp-cpa'] });
