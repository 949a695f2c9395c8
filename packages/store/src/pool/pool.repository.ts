import type Database from 'better-sqlite3';

/** Quota windows, inspection runs/results, owned account actions and the auth-issue queue (#8). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PoolRepository {}

export interface PoolRepositoryDeps {
  writer: Database.Database;
  reader: () => Database.Database;
  now: () => number;
  /** The store's 32-byte data key (AES-256-GCM for secrets at rest, S3). */
  dataKey: Buffer;
}

export function createPoolRepository(_deps: PoolRepositoryDeps): PoolRepository {
  return {};
}
