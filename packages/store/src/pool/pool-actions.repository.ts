import { DAY, type PoolDb } from './pool-db';
import { toAction, type Row } from './pool-rows';
import type { PoolRetention } from './pool.types';
import type { SyncPoolRepository } from './pool.repository';

/** pool_action: the log of every enable, disable and delete, by cpamp or a user. */
export type PoolActionsTable = Pick<SyncPoolRepository, 'logAction' | 'listActions'> & {
  /** Deletes actions older than `actionDays`. */
  pruneActions(opts: PoolRetention): number;
};

export function createPoolActions(db: PoolDb): PoolActionsTable {
  const { now, w } = db;
  const repo: PoolActionsTable = {
    logAction(a) {
      const id = Number(
        w(
          'INSERT INTO pool_action (at_ms, auth_index, file_name, action, actor, reason, dry_run, ok, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          now(),
          a.authIndex,
          a.fileName,
          a.action,
          a.actor,
          a.reason,
          a.dryRun ? 1 : 0,
          a.ok ? 1 : 0,
          a.error,
        ).lastInsertRowid,
      );
      return toAction(w('SELECT * FROM pool_action WHERE id = ?').get(id) as Row);
    },
    listActions(opts) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (opts.beforeId !== undefined) {
        where.push('id < ?');
        args.push(opts.beforeId);
      }
      if (opts.authIndex !== undefined) {
        where.push('auth_index = ?');
        args.push(opts.authIndex);
      }
      const sql = `SELECT * FROM pool_action ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (w(sql).all(...args, opts.limit) as Row[]).map(toAction);
    },
    pruneActions(opts) {
      return w('DELETE FROM pool_action WHERE at_ms < ?').run(now() - (opts.actionDays ?? 90) * DAY).changes;
    },
  };
  return repo;
}
