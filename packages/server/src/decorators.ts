// What the server's fastify-plugin plugins add to Fastify, typed in one place. Each decorator is set by
// exactly one plugin (named in its comment); a plugin that reads one lists that plugin in `dependencies`.
import type { ServerStore } from './server-store';
import type { AlertsRuntime } from './plugins/alerts';
import type { BudgetService } from './budgets/budget-service';
import type { CollectorHost } from './collector-host';
import type { CpaServices } from './plugins/cpa';
import type { PoolService } from './pool/pool-service';
import type { LeaseManager } from './ha/lease-manager';

/** Route-level auth: secure by default, routes opt out explicitly. */
/** `metrics`: the admin key, or the read-only scrape token (CPAMP_METRICS_TOKEN) when one is configured. */
export type AuthLevel = 'public' | 'admin' | 'admin-if-configured' | 'metrics';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
  interface FastifyRequest {
    /** True once the request carried a valid admin key (cpamp-auth). */
    isAdmin: boolean;
  }
  interface FastifyInstance {
    /** The usage database (cpamp-store); registered only when the server runs with one. */
    store: ServerStore;
    /** The CPA connection and the streaming proxy towards it (cpamp-cpa). */
    cpa: CpaServices;
    /** The usage collector, or an idle stand-in when none runs (cpamp-collector). */
    collector: CollectorHost;
    /** Every upstream's collector by upstream name, the default one included (cpamp-collector). */
    collectors: ReadonlyMap<string, CollectorHost>;
    /** Account-pool operations (cpamp-pool; with a store only). */
    pool: PoolService;
    /** The alert engine and its periodic step (cpamp-alerts; with a store only). */
    alerts: AlertsRuntime;
    /** Budgets per API key: spend, forecast, alert signals, enforcement (cpamp-budgets; with a store only). */
    budgets: BudgetService;
    /** This instance's id and leases: which of several instances collects and runs the schedulers (cpamp-ha). */
    ha: LeaseManager;
  }
}
