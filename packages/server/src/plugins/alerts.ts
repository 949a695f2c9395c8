// Alerts: rule engine over the signal bus, channels (webhook, Telegram, SSE), delivery log.
// Wires the engine to ctx.signals, the collector and analytics watchers to the bus, drives everything from
// one unref'd timer (time itself always comes from ctx.now) and stops it all when the app closes.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { LiveHub } from '../live/live-hub';
import { createAlertEngine, type AlertEngine, type AlertEngineOptions } from '../alerts/alert-engine';
import { createAnalyticsWatcher, type AnalyticsWatcher } from '../alerts/analytics-watcher';
import { createCollectorWatcher, type CollectorWatcher } from '../alerts/collector-watcher';
import alertsRoutes from '../routes/alerts.routes';

export interface AlertsRuntime {
  engine: AlertEngine;
  /** One pass of everything the timer does: due retries, watchers, housekeeping. */
  tick(opts?: { forceWatchers?: boolean }): Promise<void>;
}

export interface RegisterAlertsOptions {
  ctx: ServerContext;
  live: LiveHub;
  /** Engine tuning (retries, timeouts, fetch); defaults suit production. */
  engine?: AlertEngineOptions;
  /** Timer period in ms (default 5 s); 0 disables the timer (tests call runtime.tick()). */
  tickMs?: number;
  /** How often the analytics and collector watchers look (default 60 s). */
  watchIntervalMs?: number;
  /** Sees the runtime once it exists (tests). */
  onRuntime?: (runtime: AlertsRuntime) => void;
}

export async function registerAlerts(app: FastifyInstance, opts: RegisterAlertsOptions): Promise<void> {
  const { ctx, live } = opts;
  let engine: AlertEngine | null = null;
  await app.register(alertsRoutes, { ctx, engine: () => engine });
  const store = ctx.store;
  if (!store) return;

  const logger = app.log.child({ module: 'alerts' });
  const running = createAlertEngine({
    ...opts.engine,
    allowLocalTargets: opts.engine?.allowLocalTargets ?? ctx.config.allowLocalTargets,
    alerts: store.alerts,
    now: ctx.now,
    logger,
    publish: (incident) => live.publish('alert', incident),
  });
  engine = running;
  const watchIntervalMs = opts.watchIntervalMs ?? 60_000;
  const analytics: AnalyticsWatcher = createAnalyticsWatcher({ alerts: store.alerts, store, signals: ctx.signals, now: ctx.now, logger, intervalMs: watchIntervalMs });
  const collector: CollectorWatcher | null = ctx.collector ? createCollectorWatcher({ collector: ctx.collector, signals: ctx.signals, now: ctx.now }) : null;
  const offSignals = ctx.signals.on((signal, atMs) => running.handle(signal, atMs));
  let lastCollectorCheck = Number.NEGATIVE_INFINITY;

  let busy = false;
  const tick = async (t: { forceWatchers?: boolean } = {}) => {
    if (busy) return;
    busy = true;
    try {
      const at = ctx.now();
      analytics.check(t.forceWatchers === true);
      if (collector && (t.forceWatchers || at - lastCollectorCheck >= watchIntervalMs)) {
        lastCollectorCheck = at;
        collector.check();
      }
      await running.tick();
    } catch (err) {
      logger.error({ err }, 'alerts: periodic check failed');
    } finally {
      busy = false;
    }
  };
  const tickMs = opts.tickMs ?? 5_000;
  const timer = tickMs > 0 ? setInterval(() => void tick(), tickMs) : null;
  timer?.unref();
  opts.onRuntime?.({ engine: running, tick });

  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    offSignals();
    analytics.stop();
    collector?.stop();
    await running.stop();
  });
}
