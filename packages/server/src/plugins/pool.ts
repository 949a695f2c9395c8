// cpamp-pool: account-pool operations (quota windows, inspection, owned automation, forecast) as
// `app.pool`; everything it starts is stopped on close. A fastify-plugin (it shares the root context) for
// one reason: its hooks must see the proxied auth-file routes, so a user's enable/disable/delete through
// cpamp's proxy is noticed at once (cpamp drops its ownership). The proxy streams bodies untouched, so the
// small JSON body of an auth-file PATCH is tapped as the proxy reads it: an explicit `disabled` (even one
// that changes nothing in CPA) is the user's decision. The pool routes are registered with the other
// store-backed routes (plugins/store-routes.ts).
import type { ServerStore } from '../server-store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { SignalBus } from '../alerts/signal-bus';
import type { Config } from '../config';
import type { ConnectionService } from '../connection';
import type { LiveHub } from '../live/live-hub';
import { createPoolCpaProvider } from '../pool/cpa-port';
import { createPoolService } from '../pool/pool-service';
import { requestedUpstream, type UpstreamSet } from '../upstreams/upstream-set';
import { DEFAULT_UPSTREAM_NAME } from '../config/upstreams-type';
import { runsSchedulers } from './ha';

export interface PoolPluginOptions {
  store: ServerStore;
  connection: ConnectionService;
  /** Several CPAs: the pool reads and changes each CPA through its own connection (none: the default one only). */
  upstreams?: UpstreamSet;
  automation: Config['automation'];
  /** Per-call timeout towards CPA. */
  cpaTimeoutMs: number;
  /** undici dispatcher for calls made with @cpamp/sdk-cpa. */
  dispatcher?: unknown;
  now: () => number;
  signals: Pick<SignalBus, 'emit'>;
  live: Pick<LiveHub, 'publish'>;
  /** Timer period in ms (default 15 s); 0 disables the timer (tests call app.pool.tick()). */
  tickMs?: number;
}

const AUTH_FILE_CHANGE = /^\/v0\/management\/auth-files(\/status)?(\?|$)/;
const AUTH_FILE_PATCH = /^\/v0\/management\/auth-files(\/status|\/fields)?(\?|$)/;
/** Auth-file PATCH bodies are tiny; a larger one is not read further (the proxy still streams all of it). */
const TAP_LIMIT_BYTES = 16 * 1024;
const UserStateBody = z.object({
  name: z.string().min(1),
  disabled: z.boolean().optional(),
  status: z.enum(['active', 'disabled']).optional(),
});

/** The user's explicit enable/disable in a proxied auth-file PATCH body, or null. */
export function userStateChange(body: Buffer): { fileName: string; disabled: boolean } | null {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const parsed = UserStateBody.safeParse(json);
  if (!parsed.success) return null;
  const disabled = parsed.data.disabled ?? (parsed.data.status === undefined ? undefined : parsed.data.status === 'disabled');
  return disabled === undefined ? null : { fileName: parsed.data.name, disabled };
}

async function poolPlugin(app: FastifyInstance, opts: PoolPluginOptions): Promise<void> {
  const { store } = opts;
  const logger = app.log.child({ module: 'pool' });
  const cpa = createPoolCpaProvider({ connection: opts.connection, ...(opts.upstreams ? { upstreams: opts.upstreams } : {}), timeoutMs: opts.cpaTimeoutMs, dispatcher: opts.dispatcher });
  const running = await createPoolService({
    store,
    cpa,
    automationConfig: opts.automation,
    now: opts.now,
    emit: (signal) => opts.signals.emit(signal),
    publish: (payload) => opts.live.publish('pool', payload),
    logger,
  });
  app.decorate('pool', running);

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

  // Tap the body of a proxied auth-file PATCH. The 'data' listener is added only when the proxy starts
  // reading ('resume'), so no chunk can flow before the proxy's own pipe is in place.
  const tapped = new WeakMap<FastifyRequest, { chunks: Buffer[]; bytes: number }>();
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'PATCH' || !AUTH_FILE_PATCH.test(request.url) || request.body !== undefined) return;
    const tap = { chunks: [] as Buffer[], bytes: 0 };
    tapped.set(request, tap);
    const raw = request.raw;
    raw.once('resume', () => {
      const onData = (chunk: Buffer | string) => {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        tap.bytes += b.length;
        if (tap.bytes <= TAP_LIMIT_BYTES) tap.chunks.push(b);
        else raw.off('data', onData);
      };
      raw.on('data', onData);
    });
  });

  // A user changed an auth file through cpamp's proxy: an explicit enable/disable is the user's decision
  // (cpamp drops its ownership at once), then CPA is re-read so the pool follows.
  let syncQueued = false;
  app.addHook('onResponse', async (request, reply) => {
    const tap = tapped.get(request);
    if (tap) tapped.delete(request);
    if (reply.statusCode >= 300 || (request.method !== 'PATCH' && request.method !== 'DELETE')) return;
    if (tap && tap.bytes > 0 && tap.bytes <= TAP_LIMIT_BYTES) {
      const change = userStateChange(Buffer.concat(tap.chunks));
      if (change) {
        try {
          // The proxy sent it to the CPA the request names (X-Cpamp-Upstream / ?upstream=).
          await running.automation.userSetDisabled(change.fileName, change.disabled, requestedUpstream(request) ?? DEFAULT_UPSTREAM_NAME);
        } catch (err) {
          logger.warn({ err }, 'pool: reading a proxied auth-file change failed');
        }
      }
    }
    if (!AUTH_FILE_CHANGE.test(request.url) || syncQueued) return;
    syncQueued = true;
    setImmediate(() => {
      syncQueued = false;
      if (closed) return;
      syncSoon();
    });
  });
  // One sync at a time: changes that arrive while one runs (a bulk action on 1,000 files) fold into one
  // more sync after it, instead of a re-read of every auth file per change.
  let syncing = false;
  let syncAgain = false;
  function syncSoon(): void {
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    void (async () => {
      do {
        syncAgain = false;
        await running.sync().catch((err: unknown) => logger.warn({ err }, 'pool: sync after an auth-file change failed'));
      } while (syncAgain && !closed);
    })().finally(() => (syncing = false));
  }

  // A CPA added or removed at runtime (stored-upstreams.ts): the pool lists its accounts, or drops them, now.
  const offUpstreams = opts.upstreams?.onChange(() => {
    if (!closed) syncSoon();
  });

  let busy = false;
  const tick = async () => {
    if (busy || closed || !runsSchedulers(app)) return;
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
    offUpstreams?.();
    await running.stop();
    await cpa.close();
  });
}
export default fp(poolPlugin, { name: 'cpamp-pool', fastify: '5.x' });
