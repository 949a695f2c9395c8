// Everything the route plugins share, passed to them explicitly as plugin options (no decorators to
// chase, fully typed).
import type { Store } from '@cpamp/store';
import type { Config } from './config';
import type { SignalBus } from './alerts/signal-bus';
import type { ConnectionService } from './connection';
import type { CollectorHost } from './plugins/collector';
import type { CpaProxy } from './proxy/forward';
import type { AdminAuthenticator } from './security/admin-credential';
import type { BruteForceGuard } from './security/brute-force';

export interface ServerContext {
  config: Config;
  version: string;
  startedAt: number;
  now: () => number;
  auth: AdminAuthenticator;
  guard: BruteForceGuard;
  connection: ConnectionService;
  proxy: CpaProxy;
  /** Custom undici dispatcher for calls made through @cpamp/sdk-cpa (tests, corporate proxies). */
  cpaDispatcher?: unknown;
  /** The SQLite store, or null when running without one. */
  store: Store | null;
  collector: CollectorHost | null;
  /** Facts for the alert engine (pool, collector, analytics watchers emit; alerts listen). */
  signals: SignalBus;
}

/** Route-level auth: secure by default, routes opt out explicitly. */
/** `metrics`: the admin key, or the read-only scrape token (CPAMP_METRICS_TOKEN) when one is configured. */
export type AuthLevel = 'public' | 'admin' | 'admin-if-configured' | 'metrics';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
  interface FastifyRequest {
    /** True once the request carried a valid admin key. */
    isAdmin: boolean;
  }
}
