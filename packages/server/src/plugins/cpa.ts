// cpamp-cpa: the CPA side of the server as `app.cpa` — where the connection comes from (env or the saved
// settings), the streaming proxy towards it, and the undici dispatcher for calls made with @cpamp/sdk-cpa.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config';
import { createConnectionService, type ConnectionService, type SettingsPort } from '../connection';
import { createCpaProxy, type CpaProxy } from '../proxy/forward';
import { createUpstreamSet, type UpstreamSet } from '../upstreams/upstream-set';
import { createStoredUpstreams, type StoredUpstreams, type StoredUpstreamsPort } from '../upstreams/stored-upstreams';

export interface CpaServices {
  connection: ConnectionService;
  /** Every CPA (the default one's connection is `connection`); requests pick one by X-Cpamp-Upstream. */
  upstreams: UpstreamSet;
  proxy: CpaProxy;
  /** For the unauthenticated model list: a small budget of its own (4 at once, 16 waiting). */
  publicProxy: CpaProxy;
  /** Custom undici dispatcher for calls made through @cpamp/sdk-cpa (tests, corporate proxies). */
  dispatcher?: unknown;
  /** CPAs added in the panel (with a store): add, change, remove at runtime. */
  stored?: StoredUpstreams;
}

export interface CpaPluginOptions {
  config: Config;
  settings: SettingsPort;
  dispatcher?: unknown;
  /** The store's settings: CPAs added in the panel are kept there (none without a store). */
  storedUpstreams?: StoredUpstreamsPort;
  now?: () => number;
  /** How often the stored CPAs are re-read (another instance may change them); default 60 s. */
  storedRefreshMs?: number;
}

async function cpaPlugin(app: FastifyInstance, opts: CpaPluginOptions): Promise<void> {
  const connection = await createConnectionService(opts.config, opts.settings);
  const upstreams = createUpstreamSet(opts.config, connection);
  // Loaded before the collector plugin makes one collector per CPA: a stored CPA gets one like a configured one.
  const stored = opts.storedUpstreams
    ? await createStoredUpstreams({ settings: opts.storedUpstreams, set: upstreams, config: opts.config, now: opts.now ?? Date.now, warn: (obj, msg) => app.log.warn(obj, msg) })
    : undefined;
  const services: CpaServices = {
    connection,
    upstreams,
    ...(stored ? { stored } : {}),
    proxy: createCpaProxy(opts.config.proxy),
    publicProxy: createCpaProxy({ ...opts.config.proxy, maxConcurrency: Math.min(4, opts.config.proxy.maxConcurrency), maxQueue: 16 }),
    ...(opts.dispatcher !== undefined ? { dispatcher: opts.dispatcher } : {}),
  };
  app.decorate('cpa', services);
  // Several instances on one database: a CPA another instance added or removed reaches this one within a minute.
  const refresh = stored
    ? setInterval(() => void stored.refresh().catch((err: unknown) => app.log.warn({ err }, 'reading the stored CPAs failed')), opts.storedRefreshMs ?? 60_000)
    : null;
  refresh?.unref();
  app.addHook('onClose', async () => {
    if (refresh) clearInterval(refresh);
  });
  app.addHook('onClose', async () => {
    await Promise.all([services.proxy.close(), services.publicProxy.close()]);
  });
}

export default fp(cpaPlugin, { name: 'cpamp-cpa', fastify: '5.x' });
