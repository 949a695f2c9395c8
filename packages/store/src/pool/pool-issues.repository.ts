import { DAY, type PoolDb } from './pool-db';
import { toIssue, type Row } from './pool-rows';
import type { PoolRetention } from './pool.types';
import type { SyncPoolRepository } from './pool.repository';

/** pool_issue: the auth-issue queue (one unresolved issue per account and kind). */
export type PoolIssuesTable = Pick<
  SyncPoolRepository,
  'upsertIssue' | 'listIssues' | 'getIssue' | 'setIssueState' | 'resolveIssuesOf' | 'openIssueCounts'
> & {
  /** Deletes issues resolved more than `resolvedIssueDays` ago. */
  pruneResolved(opts: PoolRetention): number;
};

export function createPoolIssues(db: PoolDb): PoolIssuesTable {
  const { now, w, rd } = db;
  const getIssue = (id: number) => {
    const row = w('SELECT * FROM pool_issue WHERE id = ?').get(id) as Row | undefined;
    return row ? toIssue(row) : undefined;
  };
  const repo: PoolIssuesTable = {
    upsertIssue(i) {
      const t = now();
      const existing = w(
        "SELECT id FROM pool_issue WHERE auth_index = ? AND issue = ? AND state != 'resolved'",
      )
        .pluck()
        .get(i.authIndex, i.issue) as number | undefined;
      if (existing !== undefined) {
        w(
          'UPDATE pool_issue SET count = count + 1, last_seen_ms = ?, detail = ?, file_name = coalesce(?, file_name), updated_ms = ? WHERE id = ?',
        ).run(t, i.detail, i.fileName, t, existing);
        return getIssue(existing)!;
      }
      const id = Number(
        w(
          `INSERT INTO pool_issue (auth_index, file_name, provider, issue, detail, first_seen_ms, last_seen_ms, count, state, updated_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'open', ?)`,
        ).run(i.authIndex, i.fileName, i.provider, i.issue, i.detail, t, t, t).lastInsertRowid,
      );
      return getIssue(id)!;
    },
    listIssues(state, limit = 1000) {
      const rows = state
        ? w('SELECT * FROM pool_issue WHERE state = ? ORDER BY id DESC LIMIT ?').all(state, limit)
        : w('SELECT * FROM pool_issue ORDER BY id DESC LIMIT ?').all(limit);
      return (rows as Row[]).map(toIssue);
    },
    getIssue,
    setIssueState(id, state) {
      const cur = getIssue(id);
      if (!cur) return undefined;
      if (cur.state === state) return cur;
      // Re-opening is refused when another unresolved issue of the same kind exists (the unique index).
      if (state !== 'resolved') {
        const other = w(
          "SELECT id FROM pool_issue WHERE auth_index = ? AND issue = ? AND state != 'resolved' AND id != ?",
        )
          .pluck()
          .get(cur.authIndex, cur.issue, id) as number | undefined;
        if (other !== undefined)
          w("UPDATE pool_issue SET state = 'resolved', updated_ms = ? WHERE id = ?").run(now(), other);
      }
      w('UPDATE pool_issue SET state = ?, updated_ms = ? WHERE id = ?').run(state, now(), id);
      return getIssue(id);
    },
    resolveIssuesOf(authIndex, kinds) {
      const rows = (
        w("SELECT * FROM pool_issue WHERE auth_index = ? AND state = 'open'").all(authIndex) as Row[]
      )
        .map(toIssue)
        .filter((i) => !kinds || kinds.includes(i.issue));
      const upd = w("UPDATE pool_issue SET state = 'resolved', updated_ms = ? WHERE id = ?");
      for (const i of rows) upd.run(now(), i.id);
      return rows.map((i) => ({ ...i, state: 'resolved' as const }));
    },
    openIssueCounts(kinds) {
      const out = new Map<string, number>();
      if (kinds && kinds.length === 0) return out;
      const filter = kinds ? ` AND issue IN (${kinds.map(() => '?').join(', ')})` : '';
      for (const r of rd(
        `SELECT auth_index, count(*) AS n FROM pool_issue WHERE state = 'open'${filter} GROUP BY auth_index`,
      ).all(...(kinds ?? [])) as Row[])
        out.set(r.auth_index as string, r.n as number);
      return out;
    },
    pruneResolved(opts) {
      return w("DELETE FROM pool_issue WHERE state = 'resolved' AND updated_ms < ?").run(
        now() - (opts.resolvedIssueDays ?? 30) * DAY,
      ).changes;
    },
  };
  return repo;
}
