// TEMPORARY: the repositories Postgres does not have yet (maintenance, io, pool, alerts, alert silences),
// as stubs so `PgStore` is a whole `StoreRepositories` and the server compiles and starts on Postgres.
// Every call rejects with StoreError 'unsupported' naming what is missing. The real repositories
// (pg-pool-alerts, pg-io-maint) replace this file; delete it when the last stub is gone.
import { StoreError } from '../errors';
import type {
  AlertSilencesAsync,
  AlertsRepository,
  ImportExportRepository,
  MaintenanceRepository,
  PoolRepository,
} from '../repositories';

export interface PgPendingRepositories {
  maintenance: MaintenanceRepository;
  io: ImportExportRepository;
  pool: PoolRepository;
  alerts: AlertsRepository;
  alertSilences: AlertSilencesAsync;
}

function unsupported(repo: string, method: string): StoreError {
  return new StoreError(
    'unsupported',
    `${repo}.${method} is not available on Postgres yet (this cpamp version keeps ${repo} on SQLite only). Use SQLite (unset USAGE_DB_URL) for this feature.`,
  );
}

/**
 * A repository whose every method returns a rejected promise; `overrides` are the few members that must
 * answer differently (synchronous registrations, streams, the optional members). Not a thenable itself,
 * so `await store.pool` stays harmless.
 */
function pending<T extends object>(repo: string, overrides: Partial<Record<keyof T, unknown>> = {}): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      if (typeof prop === 'symbol' || prop === 'then' || prop === 'toJSON') return undefined;
      if (prop in overrides) return (overrides as Record<string, unknown>)[prop];
      return () => Promise.reject(unsupported(repo, prop));
    },
  });
}

/** A stream that fails on its first read (what a `for await` over it expects). */
function pendingStream<T>(repo: string, method: string): () => AsyncGenerator<T> {
  // eslint-disable-next-line require-yield -- it only throws; the generator shape is the contract.
  return async function* () {
    throw unsupported(repo, method);
  };
}

export function createPgPendingRepositories(): PgPendingRepositories {
  return {
    maintenance: pending<MaintenanceRepository>('maintenance', {
      // SQLite's WAL checkpoint timer: nothing to schedule on Postgres.
      schedule: () => ({ stop() {} }),
    }),
    io: pending<ImportExportRepository>('io', {
      exportJsonl: pendingStream<string>('io', 'exportJsonl'),
      usagePayload: pendingStream<string>('io', 'usagePayload'),
      usagePayloadBytes: undefined,
    }),
    pool: pending<PoolRepository>('pool', {
      // Run at every start: with no pool tables there is no run left 'running', which is the honest answer.
      interruptRunningRuns: () => Promise.resolve(0),
    }),
    alerts: pending<AlertsRepository>('alerts'),
    alertSilences: pending<AlertSilencesAsync>('alertSilences'),
  };
}
