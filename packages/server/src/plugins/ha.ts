// cpamp-ha: this process's instance id and its leases as `app.ha` (see ha/lease-manager.ts). On a store
// other processes share (one with notifications: Postgres) the leases live in the database; on SQLite
// every lease is held from the start, so nothing changes for a single instance. Registered before the
// collector and the schedulers: its onClose runs after theirs (they drained), then releases the leases.
import type { LeasesRepository, StoreNotifications } from '@cpamp/store';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SCHEDULER_LEASE, createLeaseManager, type LeaseManager } from '../ha/lease-manager';

export interface HaPluginOptions {
  store: { leases: LeasesRepository; notifications?: StoreNotifications } | null;
  now: () => number;
  /** Lease timing (tests shorten it). */
  ttlMs?: number;
  heartbeatMs?: number;
}

async function haPlugin(app: FastifyInstance, opts: HaPluginOptions): Promise<void> {
  const shared = opts.store?.notifications ? opts.store : null;
  const manager = createLeaseManager({
    leases: shared ? shared.leases : null,
    // One id per process: the store's (its notifications carry it), else a new one.
    ...(shared?.notifications ? { instanceId: shared.notifications.instanceId } : {}),
    now: opts.now,
    logger: app.log.child({ module: 'ha' }),
    ...(opts.ttlMs !== undefined ? { ttlMs: opts.ttlMs } : {}),
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
  });
  app.decorate('ha', manager);
  // The pool / alerts / budget / retention timers ask holds('scheduler') at each tick; jobs left behind
  // by a stopped instance are recovered by whoever takes it (jobs.plugin adds that role).
  if (opts.store) manager.role(SCHEDULER_LEASE, { start: () => undefined, stop: () => undefined });
  // Single mode: the roles start before ready resolves (as before). Shared: not awaited, the first
  // heartbeat (a database round trip) must not hold up listening.
  app.addHook('onReady', async () => {
    const started = manager.start().catch((err: unknown) => app.log.error({ err }, 'ha: first lease heartbeat failed'));
    if (manager.mode === 'single') await started;
  });
  app.addHook('onClose', async () => manager.stop());
}

/** Whether this instance runs the schedulers now (true without the ha plugin, e.g. a plugin under test). */
export function runsSchedulers(app: FastifyInstance): boolean {
  return !app.hasDecorator('ha') || app.ha.holds(SCHEDULER_LEASE);
}

export type { LeaseManager };
export default fp(haPlugin, { name: 'cpamp-ha', fastify: '5.x' });
