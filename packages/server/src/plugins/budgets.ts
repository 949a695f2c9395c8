// cpamp-budgets: budgets per API key (spend, forecast, alert signals, optional enforcement in CPA's
// api-keys) as `app.budgets`. A check runs on a timer (a new period puts held keys back) and soon after new
// usage arrives (coalesced: one check at a time, one more queued at most). The budget routes are
// registered with the other store-backed routes.
import type { ServerStore } from '../server-store';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { SignalBus } from '../alerts/signal-bus';
import { createBudgetCpaProvider, type BudgetUpstreams } from '../budgets/budget-cpa';
import { createBudgetService, type BudgetService } from '../budgets/budget-service';
import type { ConnectionService } from '../connection';
import { runsSchedulers } from './ha';

export interface BudgetsPluginOptions {
  store: Pick<ServerStore, 'budgets' | 'analytics' | 'apiKeys' | 'events' | 'settings'>;
  connection: Pick<ConnectionService, 'current'>;
  /** Several CPAs: enforcement takes a key out of every CPA that lists it (none: the default CPA only). */
  upstreams?: BudgetUpstreams;
  /** Per-call timeout towards CPA. */
  cpaTimeoutMs: number;
  dispatcher?: unknown;
  now: () => number;
  signals: Pick<SignalBus, 'emit'>;
  /** Timer period in ms (default 60 s); 0 disables the timer and the check after new usage (tests call app.budgets.check()). */
  tickMs?: number;
}

async function budgetsPlugin(app: FastifyInstance, opts: BudgetsPluginOptions): Promise<void> {
  const logger = app.log.child({ module: 'budgets' });
  const cpa = createBudgetCpaProvider({ connection: opts.connection, ...(opts.upstreams ? { upstreams: opts.upstreams } : {}), settings: opts.store.settings, timeoutMs: opts.cpaTimeoutMs, dispatcher: opts.dispatcher });
  const service = createBudgetService({
    store: opts.store,
    cpa: () => cpa.current(),
    now: opts.now,
    emit: (signal) => opts.signals.emit(signal),
    logger,
  });
  app.decorate('budgets', service);

  let closed = false;
  let queued = false;
  const run = () => {
    if (closed || queued || !runsSchedulers(app)) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      if (closed) return;
      void service.check().catch((err: unknown) => logger.warn({ err }, 'budgets: check failed'));
    });
  };
  const tickMs = opts.tickMs ?? 60_000;
  const offInserted = tickMs > 0 ? opts.store.events.onInserted(run) : () => undefined;
  const timer = tickMs > 0 ? setInterval(run, tickMs) : null;
  timer?.unref();
  if (tickMs > 0) run();

  app.addHook('onClose', async () => {
    closed = true;
    if (timer) clearInterval(timer);
    offInserted();
    await service.idle();
    await cpa.close();
  });
}

export default fp(budgetsPlugin, { name: 'cpamp-budgets', fastify: '5.x' });

export type { BudgetService };
