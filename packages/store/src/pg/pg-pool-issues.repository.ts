// pool_issue (the auth-issue queue) and pool_action (the action log) on Postgres, with the same
// behaviour as SQLite's pool-issues / pool-actions repositories.
import { sql, type RawBuilder } from 'kysely';
import { DAY } from '../pool/pool-db';
import { toAction, toIssue, type Row } from '../pool/pool-rows';
import type { PoolRetention } from '../pool/pool.types';
import type { PoolRepository } from '../repositories';
import { whole, type PgPoolDb } from './pg-pool-db';

export type PgPoolIssuesTable = Pick<
  PoolRepository,
  | 'upsertIssue'
  | 'listIssues'
  | 'getIssue'
  | 'setIssueState'
  | 'resolveIssuesOf'
  | 'openIssueCounts'
  | 'logAction'
  | 'listActions'
> & {
  /** Deletes issues resolved more than `resolvedIssueDays` ago. */
  pruneResolved(opts: PoolRetention): Promise<number>;
  /** Deletes actions older than `actionDays`. */
  pruneActions(opts: PoolRetention): Promise<number>;
};

export function createPgPoolIssues(pdb: PgPoolDb): PgPoolIssuesTable {
  const { db, now, q, changes } = pdb;
  const getIssue = async (id: number) => {
    const [r] = await q(sql<Row>`SELECT * FROM pool_issue WHERE id = ${id}`);
    return r ? toIssue(r) : undefined;
  };
  return {
    async upsertIssue(i) {
      const t = now();
      // One statement against the partial unique index: a repeat bumps the unresolved issue (open or ignored,
      // its state untouched), even when two instances report it at once.
      const [r] = await q(
        sql<Row>`INSERT INTO pool_issue (auth_index, file_name, provider, issue, detail, first_seen_ms, last_seen_ms, count,
            state, updated_ms)
          VALUES (${i.authIndex}, ${i.fileName}, ${i.provider}, ${i.issue}, ${i.detail}, ${t}, ${t}, 1, 'open', ${t})
          ON CONFLICT (auth_index, issue) WHERE state <> 'resolved' DO UPDATE SET count = pool_issue.count + 1,
            last_seen_ms = excluded.last_seen_ms, detail = excluded.detail,
            file_name = coalesce(excluded.file_name, pool_issue.file_name), updated_ms = excluded.updated_ms
          RETURNING *`,
      );
      return toIssue(r as Row);
    },
    async listIssues(state, limit = 1000) {
      return (
        await q(
          state
            ? sql<Row>`SELECT * FROM pool_issue WHERE state = ${state} ORDER BY id DESC LIMIT ${limit}`
            : sql<Row>`SELECT * FROM pool_issue ORDER BY id DESC LIMIT ${limit}`,
        )
      ).map(toIssue);
    },
    getIssue,
    async setIssueState(id, state) {
      const cur = await getIssue(id);
      if (!cur) return undefined;
      if (cur.state === state) return cur;
      await db.transaction().execute(async (trx) => {
        // Re-opening resolves another unresolved issue of the same kind first (the unique index).
        if (state !== 'resolved')
          await q(
            sql`UPDATE pool_issue SET state = 'resolved', updated_ms = ${now()}
              WHERE auth_index = ${cur.authIndex} AND issue = ${cur.issue} AND state <> 'resolved' AND id <> ${id}`,
            trx,
          );
        await q(sql`UPDATE pool_issue SET state = ${state}, updated_ms = ${now()} WHERE id = ${id}`, trx);
      });
      return getIssue(id);
    },
    async resolveIssuesOf(authIndex, kinds) {
      if (kinds && kinds.length === 0) return [];
      const kindFilter = kinds ? sql` AND issue = ANY(${[...kinds]}::text[])` : sql``;
      const found = await q(
        sql<Row>`WITH done AS (
            UPDATE pool_issue SET state = 'resolved', updated_ms = ${now()}
            WHERE auth_index = ${authIndex} AND state = 'open'${kindFilter} RETURNING *)
          SELECT * FROM done ORDER BY id`,
      );
      return found.map(toIssue);
    },
    async openIssueCounts(kinds) {
      const out = new Map<string, number>();
      if (kinds && kinds.length === 0) return out;
      const kindFilter = kinds ? sql` AND issue = ANY(${[...kinds]}::text[])` : sql``;
      for (const r of await q(
        sql<{ auth_index: string; n: number }>`SELECT auth_index, count(*) AS n FROM pool_issue
          WHERE state = 'open'${kindFilter} GROUP BY auth_index ORDER BY auth_index COLLATE "C"`,
      ))
        out.set(r.auth_index, r.n);
      return out;
    },
    async pruneResolved(opts) {
      return changes(
        sql`DELETE FROM pool_issue WHERE state = 'resolved'
          AND updated_ms < ${whole(now() - (opts.resolvedIssueDays ?? 30) * DAY)}`,
      );
    },

    async logAction(a) {
      const [r] = await q(
        sql<Row>`INSERT INTO pool_action (at_ms, auth_index, file_name, action, actor, reason, dry_run, ok, error)
          VALUES (${now()}, ${a.authIndex}, ${a.fileName}, ${a.action}, ${a.actor}, ${a.reason}, ${a.dryRun}, ${a.ok},
            ${a.error})
          RETURNING *`,
      );
      return toAction(r as Row);
    },
    async listActions(opts) {
      const where: RawBuilder<unknown>[] = [sql`true`];
      if (opts.beforeId !== undefined) where.push(sql`id < ${opts.beforeId}`);
      if (opts.authIndex !== undefined) where.push(sql`auth_index = ${opts.authIndex}`);
      return (
        await q(
          sql<Row>`SELECT * FROM pool_action WHERE ${sql.join(where, sql` AND `)} ORDER BY id DESC LIMIT ${opts.limit}`,
        )
      ).map(toAction);
    },
    async pruneActions(opts) {
      return changes(sql`DELETE FROM pool_action WHERE at_ms < ${whole(now() - (opts.actionDays ?? 90) * DAY)}`);
    },
  };
}
