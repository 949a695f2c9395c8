// The account pool on Postgres: one repository per pool table (pg-pool-*.repository.ts) behind the one
// PoolRepository, like SQLite's pool/pool.repository.ts.
import type { PoolRepository } from '../repositories';
import type { PgDb } from './pg-connection';
import { createPgPoolAccounts } from './pg-pool-accounts.repository';
import { createPgPoolDb } from './pg-pool-db';
import { createPgPoolInspections } from './pg-pool-inspections.repository';
import { createPgPoolIssues } from './pg-pool-issues.repository';
import { createPgPoolWindows } from './pg-pool-windows.repository';

export function createPgPoolRepository(deps: {
  db: PgDb;
  now: () => number;
  assertOpen: () => void;
}): PoolRepository {
  const pdb = createPgPoolDb(deps);
  const { pruneHistory, ...windows } = createPgPoolWindows(pdb);
  const { pruneRuns, ...inspections } = createPgPoolInspections(pdb);
  const { pruneResolved, pruneActions, ...issues } = createPgPoolIssues(pdb);
  return {
    ...createPgPoolAccounts(pdb),
    ...windows,
    ...inspections,
    ...issues,
    async prune(opts = {}) {
      return {
        history: await pruneHistory(opts),
        runs: await pruneRuns(opts),
        actions: await pruneActions(opts),
        issues: await pruneResolved(opts),
      };
    },
  };
}
