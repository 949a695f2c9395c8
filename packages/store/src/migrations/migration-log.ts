import type { Kysely, Migration } from 'kysely';
import type { StoreLogger } from '../types';

/**
 * A migration whose long backfill reports progress: `upWithLog` runs instead of `up` when the store opens with a
 * logger (a backfill of a 10M-event file takes minutes; an operator should see it move).
 */
export interface LoggedMigration extends Migration {
  upWithLog?(db: Kysely<unknown>, logger: StoreLogger): Promise<void>;
}

/** The migrations as Kysely runs them, with the store's logger handed to those that log. */
export function withMigrationLogger(
  migrations: Record<string, LoggedMigration>,
  logger: StoreLogger,
): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(migrations).map(([name, m]) => [
      name,
      m.upWithLog ? { ...m, up: (db: Kysely<unknown>) => m.upWithLog!(db, logger) } : m,
    ]),
  );
}
