import type { PoolDb } from './pool-db';
import { toOwnership, type Row } from './pool-rows';
import type { SyncPoolRepository } from './pool.repository';

/** pool_ownership: the disables cpamp made itself (only these are restored automatically). */
export type PoolOwnershipTable = Pick<
  SyncPoolRepository,
  'setOwnership' | 'getOwnership' | 'listOwnership' | 'dropOwnership'
>;

export function createPoolOwnership(db: PoolDb): PoolOwnershipTable {
  const { now, w } = db;
  const repo: PoolOwnershipTable = {
    setOwnership(o) {
      w(
        `INSERT INTO pool_ownership (auth_index, file_name, provider, kind, reason, window, disabled_ms, recover_at_ms, updated_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(auth_index) DO UPDATE SET file_name = excluded.file_name, kind = excluded.kind, reason = excluded.reason,
             window = excluded.window, recover_at_ms = excluded.recover_at_ms, updated_ms = excluded.updated_ms`,
      ).run(
        o.authIndex,
        o.fileName,
        o.provider,
        o.kind,
        o.reason,
        o.window,
        o.disabledAtMs,
        o.recoverAtMs,
        now(),
      );
      return repo.getOwnership(o.authIndex)!;
    },
    getOwnership(authIndex) {
      const r = w('SELECT * FROM pool_ownership WHERE auth_index = ?').get(authIndex) as Row | undefined;
      return r ? toOwnership(r) : undefined;
    },
    listOwnership() {
      return (w('SELECT * FROM pool_ownership ORDER BY disabled_ms').all() as Row[]).map(toOwnership);
    },
    dropOwnership(authIndex) {
      return w('DELETE FROM pool_ownership WHERE auth_index = ?').run(authIndex).changes > 0;
    },
  };
  return repo;
}
