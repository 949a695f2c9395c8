import type Database from 'better-sqlite3';
import type { Synchronous } from '../async-facade';
import type { PoolRepository } from '../repositories';
import { createPoolAccounts } from './pool-accounts.repository';
import { createPoolActions } from './pool-actions.repository';
import { createPoolDb } from './pool-db';
import { createPoolInspections } from './pool-inspections.repository';
import { createPoolIssues } from './pool-issues.repository';
import { createPoolOwnership } from './pool-ownership.repository';
import { createPoolIdentity } from './pool-identity.repository';
import { createPoolWindows } from './pool-windows.repository';

/** The pool repository as the SQLite store runs it (synchronously); the async boundary is in open-store.ts. */
export type SyncPoolRepository = Synchronous<PoolRepository>;

export interface PoolRepositoryDeps {
  writer: Database.Database;
  reader: () => Database.Database;
  now: () => number;
}

/** One repository per pool table (pool-*.repository.ts), put together behind the one PoolRepository. */
export function createPoolRepository(deps: PoolRepositoryDeps): SyncPoolRepository {
  const db = createPoolDb(deps.writer, deps.reader, deps.now);
  const { pruneHistory, ...windows } = createPoolWindows(db);
  const { pruneRuns, ...inspections } = createPoolInspections(db);
  const { pruneResolved, ...issues } = createPoolIssues(db);
  const { pruneActions, ...actions } = createPoolActions(db);
  return {
    ...createPoolAccounts(db),
    ...windows,
    ...inspections,
    ...issues,
    ...actions,
    ...createPoolOwnership(db),
    ...createPoolIdentity(db),
    prune(opts = {}) {
      return {
        history: pruneHistory(opts),
        runs: pruneRuns(opts),
        actions: pruneActions(opts),
        issues: pruneResolved(opts),
      };
    },
  };
}
