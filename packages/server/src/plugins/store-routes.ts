// cpamp-store-routes: every route that reads or writes the usage database, in one encapsulated scope that
// exists only when the server runs with a store (without one, routes/store-unavailable.routes.ts answers
// these paths with `store_unavailable`). Each route plugin receives the services it uses, taken here from
// the decorators of the plugins listed in `dependencies`.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config';
import alertsRoutes from '../routes/alerts.routes';
import alertSilencesRoutes from '../routes/alert-silences.routes';
import aliasRoutes from '../routes/aliases.routes';
import analyticsRoutes from '../routes/analytics.routes';
import budgetRoutes from '../routes/budgets.routes';
import eventDetailRoutes from '../routes/event-detail.routes';
import importRoutes from '../routes/import.routes';
import poolRoutes from '../routes/pool.routes';
import priceRoutes from '../routes/prices.routes';
import shareRoutes from '../routes/share.routes';
import storageRoutes, { type StorageRoutesOptions } from '../routes/storage.routes';
import usageRoutes from '../routes/usage.routes';
import dashboardRoutes from '../routes/dashboard.routes';
import savedViewsRoutes from '../routes/saved-views.routes';
import plusCompatRoutes from '../plus-compat/plus-compat.routes';
import upstreamsRoutes from '../routes/upstreams.routes';

export interface StoreRoutesOptions {
  config: Pick<Config, 'dataDir' | 'import' | 'queryLimit' | 'allowLocalTargets'>;
  now: () => number;
  retentionSchedule?: StorageRoutesOptions['retentionSchedule'];
}

async function storeRoutes(app: FastifyInstance, opts: StoreRoutesOptions): Promise<void> {
  const { store } = app;
  const { now } = opts;
  await app.register(analyticsRoutes, { store, now });
  await app.register(usageRoutes, { store, queryLimit: opts.config.queryLimit, upstreamNames: () => app.cpa.upstreams.list().map((u) => u.name) });
  await app.register(upstreamsRoutes, { ...(app.cpa.stored ? { stored: app.cpa.stored } : {}), list: () => app.cpa.stored?.views() ?? [] });
  await app.register(priceRoutes, { store, allowLocalTargets: opts.config.allowLocalTargets });
  await app.register(aliasRoutes, { store });
  await app.register(importRoutes, { store, dataDir: opts.config.dataDir, limits: opts.config.import, now });
  await app.register(storageRoutes, { store, now, ...(opts.retentionSchedule !== undefined ? { retentionSchedule: opts.retentionSchedule } : {}) });
  await app.register(poolRoutes, { pool: app.pool, store, connection: app.cpa.connection, now });
  await app.register(alertsRoutes, { alerts: store.alerts, engine: app.alerts.engine });
  await app.register(budgetRoutes, { budgets: app.budgets, store });
  await app.register(shareRoutes, { store, budgets: app.budgets, pool: app.pool, now });
  await app.register(dashboardRoutes, { store, collector: app.collector, connection: app.cpa.connection, now });
  await app.register(alertSilencesRoutes, { store, now });
  await app.register(eventDetailRoutes, { store });
  await app.register(savedViewsRoutes, { store });
  await app.register(plusCompatRoutes, { store, pool: app.pool, connection: app.cpa.connection, now });
}

export default fp(storeRoutes, {
  name: 'cpamp-store-routes',
  fastify: '5.x',
  encapsulate: true,
  dependencies: ['cpamp-store', 'cpamp-cpa', 'cpamp-pool', 'cpamp-alerts', 'cpamp-budgets'],
});
