// cpamp-collector: the usage collector for the current CPA connection as `app.collector`, started once the
// app is ready and stopped (drained into the store) on close. Without a store, or when turned off, an idle
// stand-in takes its place so readers need no null checks.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createCollectorHost, createIdleCollectorHost, type CollectorHost } from '../collector-host';
import { collectorLease } from '../ha/lease-manager';
import type { Upstream } from '../upstreams/upstream-set';

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
    app.decorate('collectors', new Map<string, CollectorHost>());
    return;
  }
  // One collector per upstream; the default upstream's is `app.collector`, as with a single CPA.
  const hosts = new Map<string, CollectorHost>();
  const make = (upstream: Upstream) =>
    createCollectorHost({
      connection: upstream.connection,
      store: app.store,
      dataDir: opts.dataDir,
      logger: app.log.child(upstream.isDefault ? { module: 'collector' } : { module: 'collector', upstream: upstream.name }),
      now: opts.now,
      ...(opts.stopTimeoutMs !== undefined ? { stopTimeoutMs: opts.stopTimeoutMs } : {}),
      ...(upstream.isDefault ? {} : { upstream: upstream.name }),
    });
  for (const upstream of app.cpa.upstreams.list()) hosts.set(upstream.name, make(upstream));
  app.decorate('collector', hosts.get(app.cpa.upstreams.default.name)!);
  app.decorate('collectors', hosts);
  // Listener first: the collectors start once the app is ready, never before — and, with several instances
  // on one database, each only while this instance holds its upstream's lease (cpamp-ha starts it at onReady).
  const roles = new Map<string, () => void>();
  const run = (name: string, host: CollectorHost) => {
    if (app.hasDecorator('ha')) roles.set(name, app.ha.role(collectorLease(name), { start: () => void host.start(), stop: () => host.pause() }));
  };
  for (const [name, host] of hosts) run(name, host);
  let ready = false;
  if (!app.hasDecorator('ha')) {
    app.addHook('onReady', async () => {
      ready = true;
      for (const host of hosts.values()) void host.start();
    });
  }
  // A CPA added or removed in the panel (stored-upstreams.ts): its collector starts or drains and stops now.
  const off = app.cpa.upstreams.onChange(async ({ added, removed }) => {
    if (removed) {
      const host = hosts.get(removed.name);
      hosts.delete(removed.name);
      roles.get(removed.name)?.();
      roles.delete(removed.name);
      await host?.stop();
    }
    if (added) {
      const host = make(added);
      hosts.set(added.name, host);
      run(added.name, host);
      if (!app.hasDecorator('ha') && ready) void host.start();
    }
  });
  // Stopped together: each drains its in-flight pop within the same bound.
  app.addHook('onClose', async () => {
    off();
    await Promise.all([...hosts.values()].map((host) => host.stop()));
  });
}

export default fp(collectorPlugin, { name: 'cpamp-collector', fastify: '5.x', dependencies: ['cpamp-cpa'] });
