import type Database from 'better-sqlite3';

/** Alert rules, incidents (de-duplication and quiet periods) and the delivery log (#8). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AlertsRepository {}

export interface AlertsRepositoryDeps {
  writer: Database.Database;
  reader: () => Database.Database;
  now: () => number;
  /** The store's 32-byte data key (AES-256-GCM for secrets at rest, S3). */
  dataKey: Buffer;
}

export function createAlertsRepository(_deps: AlertsRepositoryDeps): AlertsRepository {
  return {};
}
