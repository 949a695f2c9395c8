// Account-pool operations (#8): quota windows, inspection, owned automation, forecast. Registers the
// pool services and routes; everything it starts is stopped on close. The plugin shares its parent's
// context (like fastify-plugin) for one reason: its onResponse hook must see the proxied auth-file routes,
// so a user's enable/disable/delete through cpamp's proxy is noticed at once (cpamp drops its ownership).
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { LiveHub } from '../live/live-hub';
import { createPoolCpaProvider } from '../pool/cpa-port';
import { createPoolService, type PoolService } from '../pool/pool-service';
import poolRoutes from '../routes/pool.routes';

export interface RegisterPoolOptions {
  ctx: ServerContext;
  live: LiveHub;
  /** Timer period in ms (default 15 s); 0 disables the timer (tests call service.tick()). */
  tickMs?: number;
  /** Sees the service once it exists (tests, the demo). */
  onService?: (service: PoolService) => void;
}

const AUTH_FILE_CHANGE = /^\/v0\/management\/auth-files(\/status)?(\?|$)/;

export async function registerPool(app: FastifyInstance, opts: RegisterPoolOptions): Promise<void> {
  const { ctx, live } = opts;
  let service: PoolService | null = null;
  await app.register(poolRoutes, { ctx, service: () => service });
  const store = ctx.store;
  if (!store) return;

  const logger = app.log.child({ module: 'pool' });
  const cpa = createPoolCpaProvider({ connection: ctx.connection, timeoutMs: ctx.config.proxy.timeoutMs, dispatcher: ctx.cpaDispatcher });
  const running = createPoolService({
    store,
    cpa: () => cpa.current(),
    automationConfig: ctx.config.automation,
    now: ctx.now,
    emit: (signal) => ctx.signals.emit(signal),
    publish: (payload) => live.publish('pool', payload),
    logger,
  });
  service = running;
  opts.onService?.(running);

  let closed = false;
  // Traffic evidence: new usage rows nudge a scan (coalesced to one per turn of the event loop).
  let scanQueued = false;
  const offInserted = store.events.onInserted(() => {
    if (scanQueued) return;
    scanQueued = true;
    setImmediate(() => {
      scanQueued = false;
      if (closed) return;
      void running.evidence.scan().catch((err: unknown) => logger.warn({ err }, 'pool: evidence scan failed'));
    });
  });

  // A user changed an auth file through cpamp's proxy: re-read CPA so ownership follows the user.
  let syncQueued = false;
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 300 || (request.method !== 'PATCH' && request.method !== 'DELETE')) return;
    if (!AUTH_FILE_CHANGE.test(request.url) || syncQueued) return;
    syncQueued = true;
    setImmediate(() => {
      syncQueued = false;
      if (closed) return;
      void running.sync().catch((err: unknown) => logger.warn({ err }, 'pool: sync after an auth-file change failed'));
    });
  });

  let busy = false;
  const tick = async () => {
    if (busy || closed) return;
    busy = true;
    try {
      await running.tick();
    } catch (err) {
      logger.error({ err }, 'pool: periodic step failed');
    } finally {
      busy = false;
    }
  };
  const tickMs = opts.tickMs ?? 15_000;
  const timer = tickMs > 0 ? setInterval(() => void tick(), tickMs) : null;
  timer?.unref();

  app.addHook('onClose', async () => {
    closed = true;
    if (timer) clearInterval(timer);
    offInserted();
    await running.stop();
    await cpa.close();
  });
}
// Share the parent's context (what fastify-plugin does): the onResponse hook above must cover the proxy.
(registerPool as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
