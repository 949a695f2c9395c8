// buildApp: the composition root. Takes the data-dir lock, makes sure an admin key exists, then registers
// CORS, auth and the encapsulated route plugins. Nothing here scans data, so the app is ready at once.
import cors from '@fastify/cors';
import { serializerCompiler, validatorCompiler } from '@fastify/type-provider-zod';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import type { ServerStore } from './server-store';
import { createSignalBus } from './alerts/signal-bus';
import { ConfigSchema, type Config } from './config';
import { createMemorySettings, type SettingsPort } from './connection';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock';
import './decorators';
import { errorHandler, notFoundHandler } from './error-handler';
import { createLiveHub } from './live/live-hub';
import { liveCollectorSource } from './upstreams/live-source';
import { loggerOptions } from './logger';
import { openServerStore } from './open-server-store';
import alertsPlugin from './plugins/alerts';
import authPlugin from './plugins/auth';
import budgetsPlugin from './plugins/budgets';
import jobsPlugin from './jobs/jobs.plugin';
import collectorPlugin from './plugins/collector';
import cpaPlugin from './plugins/cpa';
import panelPlugin from './plugins/panel';
import poolPlugin from './plugins/pool';
import storePlugin from './plugins/store';
import haPlugin from './plugins/ha';
import { attachLiveRelay } from './ha/live-relay';
import storeRoutes from './plugins/store-routes';
import { migratePlus, planPlusSwitch, plusSideBySideOf } from './plus-switch/migrate-plus';
import collectorRoutes from './routes/collector.routes';
import metricsRoutes from './routes/metrics.routes';
import { registerOpenApi } from './routes/openapi.routes';
import proxyRoutes from './routes/proxy.routes';
import setupRoutes from './routes/setup.routes';
import storeUnavailableRoutes from './routes/store-unavailable.routes';
import streamRoutes from './routes/stream.routes';
import systemRoutes from './routes/system.routes';
import { ensureAdminKey } from './security/admin-credential';
import { createBruteForceGuard, type BruteForceOptions } from './security/brute-force';
import { packageVersion } from './version';

export interface AppDeps {
  /** Log sink (tests capture it to scan for secrets); default stdout at config.logLevel. */
  logStream?: { write(chunk: string): void };
  now?: () => number;
  /** Settings storage; default: the store's settings (memory only when `store: false`). */
  settings?: SettingsPort;
  /** A store to use (left open on close), or false to run without one; default: open config.dbPath. */
  store?: ServerStore | false;
  /** Called once with a freshly generated admin key; default prints it to stdout. */
  onAdminKeyGenerated?: (key: string) => void;
  /** Progress lines of a first start on a CPA Manager Plus data dir (one per 100k events); default: none. */
  onMigrationProgress?: (line: string) => void;
  bruteForce?: BruteForceOptions;
  /** Run the usage collector (default true when there is a store). */
  collector?: boolean;
  /** Longest wait for the collector to drain on close (default COLLECTOR_STOP_TIMEOUT_MS, 13 s: an in-flight pop finishes and commits). */
  collectorStopTimeoutMs?: number;
  /** Take the data-dir lock (default true). */
  lock?: boolean;
  /** Sees every route as it is registered (the security test "every route needs the admin key" walks them). */
  onRoute?: (route: RouteOptions) => void;
  /** Background raw-event retention timer (default first run after 60 s, then hourly); false turns it off. */
  retentionSchedule?: { intervalMs?: number; firstDelayMs?: number } | false;
  /** undici dispatcher for calls made with @cpamp/sdk-cpa. */
  cpaDispatcher?: unknown;
  /** Budget check timer in ms (default 60 s); 0 turns it off (tests call app.budgets.check()). */
  budgetsTickMs?: number;
  /** The SQLite column cache starts filling this long after the app is ready (default WARM_CACHE_DELAY_MS). */
  warmCacheDelayMs?: number;
  /** Lease timing for several instances on one database (tests shorten it); default ttl 15 s, heartbeat 5 s. */
  ha?: { ttlMs?: number; heartbeatMs?: number };
}

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
// Fastify types these factories after ajv / fast-json-stringify; at run time any compiler function works.
const zodCompilersFactory = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as CompilersFactory;

/** The column cache starts filling this long after the app is ready, i.e. listens (see buildApp). */
export const WARM_CACHE_DELAY_MS = 250;

/** Headers of a request must arrive within this. */
export const HEADERS_TIMEOUT_MS = 30_000;
/** A whole request (headers and body, e.g. an import upload) must arrive within this. */
export const REQUEST_TIMEOUT_MS = 10 * 60_000;

export function adminKeyBanner(key: string): string {
  const line = '='.repeat(72);
  return `\n${line}\ncpamp admin key (shown once; only a hash is stored):\n\n  ${key}\n\nLog in to the panel with it. Lost it? Run \`cpamp reset-admin-key\`.\n${line}\n\n`;
}

const noop = (): void => undefined;
const SILENT_LOGGER = { debug: noop, info: noop, warn: noop, error: noop };

export async function buildApp(configInput: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const parsed = ConfigSchema.parse(configInput);
  const now = deps.now ?? Date.now;
  const lock: DataDirLock | null = deps.lock === false ? null : acquireDataDirLock(parsed.dataDir);
  // On a CPA Manager Plus data dir (or USAGE_DB_PATH naming Plus's database) cpamp uses its own file beside
  // Plus's; the first start fills it from Plus's, before the admin key is checked (Plus's key carries over).
  const switchPlan = deps.store === undefined && !deps.settings ? planPlusSwitch(parsed) : { dbPath: parsed.dbPath, plan: null };
  const config: Config = { ...parsed, dbPath: switchPlan.dbPath };
  if (switchPlan.plan) {
    try {
      const progress = deps.onMigrationProgress ?? (() => undefined);
      await migratePlus(config, switchPlan.plan, { logger: SILENT_LOGGER, progress, now });
    } catch (error) {
      lock?.release();
      throw error;
    }
  }
  let ownedStore: ServerStore | null = null;
  // The admin-key check (scrypt on the libuv pool when a key is supplied) runs while the store opens;
  // cpamp-auth is registered with its result, so nothing is served without it.
  const adminPending = ensureAdminKey(config.dataDir, config.adminKey, now());
  adminPending.catch(() => undefined); // awaited below; this only keeps an early rejection from being "unhandled"
  try {
    const app = Fastify({
      logger: loggerOptions(config.logLevel, deps.logStream),
      trustProxy: config.trustProxy,
      bodyLimit: config.bodyLimitBytes,
      return503OnClosing: true,
      // A request's headers and body must arrive in bounded time (slow clients cannot hold sockets open);
      // responses, SSE streams included, are not limited by these.
      requestTimeout: REQUEST_TIMEOUT_MS,
      requestIdHeader: false,
      routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
      // Every route validates and serialises with zod: giving Fastify the zod compilers up front keeps it
      // from loading ajv and fast-json-stringify at start (~0.1 s of cold start).
      schemaController: { compilersFactory: zodCompilersFactory },
    });
    app.server.headersTimeout = HEADERS_TIMEOUT_MS;
    if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.setErrorHandler(errorHandler);
    app.setNotFoundHandler(notFoundHandler);
    for (const warning of config.warnings) app.log.warn(warning);

    let store: ServerStore | null = null;
    if (deps.store === undefined && !deps.settings) {
      // The column cache fills once the server is ready to listen (P7: /health first). Its snapshot read allocates the
      // whole cache at once, and V8 answers that external memory with a full GC (~0.1 s of CPU) that would
      // otherwise land before the first request. Until warm, views answer from rollups and SQL.
      const opened = await openServerStore(config, app.log.child({ module: 'store' }), now, { warmCache: false });
      ownedStore = opened;
      store = opened;
      // onReady (listen() runs it just before binding; inject-only embedders and tests have it too), then a
      // moment more: the first health checks and page loads are answered before the warm-up's one-time GC
      // and block scan (~0.1-0.3 s of CPU) hold the event loop.
      let warmTimer: NodeJS.Timeout | null = null;
      app.addHook('onReady', (done) => {
        warmTimer = setTimeout(() => {
          void opened.warmCache?.().catch((err: unknown) => app.log.error({ err }, 'store column cache warm-up failed'));
        }, deps.warmCacheDelayMs ?? WARM_CACHE_DELAY_MS);
        warmTimer.unref();
        done();
      });
      app.addHook('onClose', (_instance, done) => {
        if (warmTimer) clearTimeout(warmTimer);
        done();
      });
    } else if (deps.store) {
      store = deps.store;
    }
    const settings = deps.settings ?? store?.settings ?? createMemorySettings();
    const info = { version: packageVersion(), startedAt: now(), now };
    const signals = createSignalBus({ now, onListenerError: (err) => app.log.error({ err }, 'alert signal listener failed') });

    // onClose hooks run last-added first: added before every plugin, this one runs after the collector's,
    // the pool's and the alerts' hooks, so they stop while the store is still open.
    app.addHook('onClose', async () => {
      await ownedStore?.close();
      lock?.release();
    });
    if (store) await app.register(storePlugin, { store });
    await app.register(haPlugin, { store, now, ...deps.ha });
    await app.register(cpaPlugin, { config, settings, dispatcher: deps.cpaDispatcher, now, ...(store ? { storedUpstreams: store.settings } : {}) });
    await app.register(collectorPlugin, {
      enabled: deps.collector !== false,
      dataDir: config.dataDir,
      now,
      ...(deps.collectorStopTimeoutMs !== undefined ? { stopTimeoutMs: deps.collectorStopTimeoutMs } : {}),
    });
    const { connection, proxy } = app.cpa;
    const live = createLiveHub({ now });
    const liveCollectors = app.collector.active ? liveCollectorSource(app.collector, app.collectors) : null;
    live.attach({ store, collector: liveCollectors });
    // A CPA added or removed at runtime: after the collector plugin's listener changed the hosts map.
    if (liveCollectors) {
      const off = app.cpa.upstreams.onChange(() => liveCollectors.refresh());
      app.addHook('onClose', async () => off());
    }
    // Several instances on one database: the others' batches reach this one's stream clients too.
    const relay = store?.notifications ? attachLiveRelay({ notifications: store.notifications, live, logger: app.log.child({ module: 'live' }) }) : null;
    if (relay) app.addHook('onClose', () => relay.close());

    if (config.corsOrigins.length > 0) {
      const any = config.corsOrigins.includes('*');
      await app.register(cors, {
        origin: any ? '*' : config.corsOrigins,
        credentials: false,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID', 'If-None-Match', 'X-Requested-With', 'X-Cpamp-Upstream'],
        exposedHeaders: ['Retry-After', 'Content-Disposition', 'ETag', 'X-Request-Id', 'X-Cpamp-Partial'],
        maxAge: 600,
      });
    }
    await registerOpenApi(app);
    // The admin-key check ran while the store opened; auth needs its result.
    const admin = await adminPending;
    const adminCheck = { authenticator: admin.authenticator, guard: createBruteForceGuard({ now, ...deps.bruteForce }) };
    await app.register(authPlugin, { ...adminCheck, connection, metricsToken: config.metricsToken, trustProxy: config.trustProxy });
    // Before the system and store routes: /status and retention read `app.jobs`.
    await app.register(jobsPlugin, { store, live, now });
    const storeStatus = store ? { store } : {};
    await app.register(metricsRoutes, { startedAt: info.startedAt, now, collector: app.collector, ...storeStatus, accountStates: async () => (app.hasDecorator('pool') ? (await app.pool.snapshot()).counts : null) });
    await app.register(panelPlugin, { panelPath: config.panelPath });
    const plusSideBySide = store ? () => plusSideBySideOf(store) : undefined;
    await app.register(systemRoutes, { ...info, config, connection, collector: app.collector, upstreams: app.cpa.upstreams, collectors: app.collectors, proxy, ...storeStatus, ...(plusSideBySide ? { plusSideBySide } : {}) });
    await app.register(setupRoutes, { config, connection, now, admin: adminCheck, ...(deps.cpaDispatcher !== undefined ? { cpaDispatcher: deps.cpaDispatcher } : {}) });
    await app.register(collectorRoutes, { collector: app.collector, connection, settings, now });
    // Local routes under /v0/management/ are static paths, so they win over the proxy's wildcard.
    await app.register(streamRoutes, { live });
    if (store) {
      // Services first (fastify-plugins: the pool's hooks must see the proxied auth-file routes), then
      // every store-backed route in one scope.
      await app.register(poolPlugin, {
        store,
        connection,
        upstreams: app.cpa.upstreams,
        automation: config.automation,
        cpaTimeoutMs: config.proxy.timeoutMs,
        dispatcher: deps.cpaDispatcher,
        now,
        signals,
        live,
      });
      await app.register(alertsPlugin, { store, signals, live, now, engine: { allowLocalTargets: config.allowLocalTargets }, ...(app.collector.active ? { collector: app.collector, upstreamCollectors: new Map([...app.collectors].filter(([name]) => name !== app.cpa.upstreams.default.name)) } : {}) });
      await app.register(budgetsPlugin, { store, connection, upstreams: app.cpa.upstreams, cpaTimeoutMs: config.proxy.timeoutMs, dispatcher: deps.cpaDispatcher, now, signals, ...(deps.budgetsTickMs !== undefined ? { tickMs: deps.budgetsTickMs } : {}) });
      await app.register(storeRoutes, { config, now, ...(deps.retentionSchedule !== undefined ? { retentionSchedule: deps.retentionSchedule } : {}) });
    } else {
      await app.register(storeUnavailableRoutes);
    }
    await app.register(proxyRoutes, { connection, proxy, publicProxy: app.cpa.publicProxy, upstreams: app.cpa.upstreams });

    if (admin.generatedKey) {
      (deps.onAdminKeyGenerated ?? ((key: string) => process.stdout.write(adminKeyBanner(key))))(admin.generatedKey);
    }
    if (admin.action === 'updated-from-env') app.log.warn('the admin key from CPAMP_ADMIN_KEY / CPA_MANAGER_ADMIN_KEY changed: stored hash replaced');
    return app;
  } catch (error) {
    await ownedStore?.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
}
