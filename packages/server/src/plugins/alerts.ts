// cpamp-alerts: the rule engine over the signal bus, channels (webhook, Telegram, SSE) and the delivery
// log, as `app.alerts`. Wires the engine to the signal bus and the collector and analytics watchers to the
// bus, drives everything from one unref'd timer (time itself always comes from `now`) and stops it all
// when the app closes. The alerts routes are registered with the other store-backed routes.
import type { ServerStore } from '../server-store';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createAlertEngine, type AlertEngine, type AlertEngineOptions } from '../alerts/alert-engine';
import { createAnalyticsWatcher, type AnalyticsWatcher } from '../alerts/analytics-watcher';
import { createCollectorWatcher, type CollectorWatcher, type WatchedCollector } from '../alerts/collector-watcher';
import type { SignalBus } from '../alerts/signal-bus';
import type { LiveHub } from '../live/live-hub';
import { runsSchedulers } from './ha';

export interface AlertsRuntime {
  engine: AlertEngine;
  /** One pass of everything the timer does: due retries, watchers, housekeeping. */
  tick(opts?: { forceWatchers?: boolean }): Promise<void>;
}

export interface AlertsPluginOptions {
  store: Pick<ServerStore, 'alerts' | 'analytics' | 'events'> & Partial<Pick<ServerStore, 'alertSilences'>>;
  signals: SignalBus;
  live: Pick<LiveHub, 'publish'>;
  /** The running collector, watched for stalls; omitted when none runs. */
  collector?: WatchedCollector;
  /** Several CPAs: every named upstream's collector (the default one is `collector`). */
  upstreamCollectors?: ReadonlyMap<string, WatchedCollector>;
  now: () => number;
  /** Engine tuning (retries, timeouts, fetch); defaults suit production. */
  engine?: AlertEngineOptions;
  /** Timer period in ms (default 5 s); 0 disables the timer (tests call app.alerts.tick()). */
  tickMs?: number;
  /** How often the analytics and collector watchers look (default 60 s). */
  watchIntervalMs?: number;
}

async function alertsPlugin(app: FastifyInstance, opts: AlertsPluginOptions): Promise<void> {
  const { store, signals, now } = opts;
  const logger = app.log.child({ module: 'alerts' });
  const engine = createAlertEngine({
    ...opts.engine,
    alerts: store.alerts,
    ...(store.alertSilences ? { silences: store.alertSilences } : {}),
    now,
    logger,
    publish: (incident) => opts.live.publish('alert', incident),
  });
  const watchIntervalMs = opts.watchIntervalMs ?? 60_000;
  const analytics: AnalyticsWatcher = createAnalyticsWatcher({ alerts: store.alerts, store, signals, now, logger, intervalMs: watchIntervalMs });
  // One watcher per CPA's collector: the default one's subject stays 'collector'.
  const watchers = new Map<string, CollectorWatcher>();
  if (opts.collector) watchers.set('', createCollectorWatcher({ collector: opts.collector, signals, now }));
  for (const [name, c] of opts.upstreamCollectors ?? []) watchers.set(name, createCollectorWatcher({ collector: c, signals, now, subject: `collector:${name}` }));
  const collector: CollectorWatcher | null = watchers.size ? { check: () => watchers.forEach((w) => w.check()), stop: () => watchers.forEach((w) => w.stop()) } : null;
  // A CPA added or removed at runtime (stored-upstreams.ts): its collector's watcher follows (the collector
  // plugin's listener ran first, so `app.collectors` already holds the new host).
  const offUpstreams =
    opts.upstreamCollectors && app.hasDecorator('collectors')
      ? app.cpa.upstreams.onChange(({ added, removed }) => {
          if (removed) {
            watchers.get(removed.name)?.stop();
            watchers.delete(removed.name);
          }
          const host = added ? app.collectors.get(added.name) : undefined;
          if (added && host) watchers.set(added.name, createCollectorWatcher({ collector: host, signals, now, subject: `collector:${added.name}` }));
        })
      : () => undefined;
  const offSignals = signals.on((signal, atMs) => void engine.handle(signal, atMs));
  let lastCollectorCheck = Number.NEGATIVE_INFINITY;

  let busy = false;
  const tick = async (t: { forceWatchers?: boolean } = {}) => {
    if (busy || !runsSchedulers(app)) return;
    busy = true;
    try {
      const at = now();
      await analytics.check(t.forceWatchers === true);
      if (collector && (t.forceWatchers || at - lastCollectorCheck >= watchIntervalMs)) {
        lastCollectorCheck = at;
        collector.check();
      }
      await engine.tick();
    } catch (err) {
      logger.error({ err }, 'alerts: periodic check failed');
    } finally {
      busy = false;
    }
  };
  const tickMs = opts.tickMs ?? 5_000;
  const timer = tickMs > 0 ? setInterval(() => void tick(), tickMs) : null;
  timer?.unref();
  app.decorate('alerts', { engine, tick });

  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    offSignals();
    offUpstreams();
    analytics.stop();
    collector?.stop();
    await engine.stop();
  });
}

export default fp(alertsPlugin, { name: 'cpamp-alerts', fastify: '5.x' });
