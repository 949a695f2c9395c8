// pool_inspection_run and pool_inspection_result on Postgres: inspection runs and what each probe found
// (the same behaviour as SQLite's pool-inspections repository).
import { pgResultUpstream } from '../pool/pool-result-upstream';
import { sql, type RawBuilder } from 'kysely';
import { EMPTY_COUNTS, toResult, toRun, type Row } from '../pool/pool-rows';
import type { PoolInspectionResultKind, PoolRetention } from '../pool/pool.types';
import type { PoolRepository } from '../repositories';
import { whole, type PgPoolDb } from './pg-pool-db';

export type PgPoolInspectionsTable = Pick<
  PoolRepository,
  | 'createRun'
  | 'updateRun'
  | 'getRun'
  | 'listRuns'
  | 'interruptRunningRuns'
  | 'addResults'
  | 'listResults'
  | 'resultCountsByUpstream'
  | 'resultsFor'
> & {
  /** Keeps the newest `keepRuns` runs (a running one always) with their results; returns runs deleted. */
  pruneRuns(opts: PoolRetention): Promise<number>;
};

export function createPgPoolInspections(pdb: PgPoolDb): PgPoolInspectionsTable {
  const { db, now, q, changes } = pdb;
  const repo: PgPoolInspectionsTable = {
    async createRun(run) {
      const [r] = await q(
        sql<Row>`INSERT INTO pool_inspection_run (trigger, state, started_ms, total, done, dry_run, counts, upstream)
          VALUES (${run.trigger}, 'running', ${now()}, ${whole(run.total)}, 0, ${run.dryRun}, ${JSON.stringify(EMPTY_COUNTS())}, ${run.upstream ?? null})
          RETURNING *`,
      );
      return toRun(r as Row);
    },
    async updateRun(id, patch) {
      const sets: RawBuilder<unknown>[] = [];
      if (patch.done !== undefined) sets.push(sql`done = ${whole(patch.done)}`);
      if (patch.total !== undefined) sets.push(sql`total = ${whole(patch.total)}`);
      if (patch.counts !== undefined) sets.push(sql`counts = ${JSON.stringify(patch.counts)}`);
      if (patch.error !== undefined) sets.push(sql`error = ${patch.error}`);
      if (patch.state !== undefined) {
        sets.push(sql`state = ${patch.state}`);
        if (patch.state !== 'running') sets.push(sql`finished_ms = ${now()}`);
      }
      if (sets.length) await q(sql`UPDATE pool_inspection_run SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`);
      const [r] = await q(sql<Row>`SELECT * FROM pool_inspection_run WHERE id = ${id}`);
      // SQLite's mapper throws on a missing run too (there is no run to return).
      return toRun(r as Row);
    },
    async getRun(id) {
      const [r] = await q(sql<Row>`SELECT * FROM pool_inspection_run WHERE id = ${id}`);
      return r ? toRun(r) : undefined;
    },
    async listRuns(limit, opts = {}) {
      const only =
        opts.upstream !== undefined ? sql`WHERE upstream = ${opts.upstream} OR upstream IS NULL` : sql``;
      return (await q(sql<Row>`SELECT * FROM pool_inspection_run ${only} ORDER BY id DESC LIMIT ${limit}`)).map(toRun);
    },
    async interruptRunningRuns() {
      return changes(
        sql`UPDATE pool_inspection_run SET state = 'failed', error = 'interrupted by a restart', finished_ms = ${now()}
          WHERE state = 'running'`,
      );
    },
    async addResults(results) {
      if (results.length === 0) return;
      // The last result of an account is what it shows (one UPDATE per result on SQLite: the last wins).
      const latest = new Map(results.map((r) => [r.authIndex, r]));
      const marks = [...latest.values()];
      await db.transaction().execute(async (trx) => {
        await q(
          sql`INSERT INTO pool_inspection_result (run_id, auth_index, file_name, provider, result, http_status, detail,
              windows, suggested_action, at_ms)
            SELECT a, b, c, d, e, f, g, h, i, j FROM unnest(${results.map((r) => r.runId)}::bigint[],
              ${results.map((r) => r.authIndex)}::text[], ${results.map((r) => r.fileName)}::text[],
              ${results.map((r) => r.provider)}::text[], ${results.map((r) => r.result)}::text[],
              ${results.map((r) => r.httpStatus)}::integer[], ${results.map((r) => r.detail)}::text[],
              ${results.map((r) => JSON.stringify(r.windows))}::text[], ${results.map((r) => r.suggestedAction)}::text[],
              ${results.map((r) => whole(r.atMs))}::bigint[]) WITH ORDINALITY AS x(a, b, c, d, e, f, g, h, i, j, n)
            ORDER BY n`,
          trx,
        );
        await q(
          sql`UPDATE pool_account p SET last_inspection_ms = m.at, last_result = m.result
            FROM unnest(${marks.map((r) => r.authIndex)}::text[], ${marks.map((r) => whole(r.atMs))}::bigint[],
              ${marks.map((r) => r.result)}::text[]) AS m(auth_index, at, result)
            WHERE p.auth_index = m.auth_index`,
          trx,
        );
      });
    },
    async listResults(runId, opts) {
      const byKind = opts.result
        ? sql`run_id = ${runId} AND result = ${opts.result}`
        : sql`run_id = ${runId}`;
      const where =
        opts.upstream !== undefined
          ? sql`${byKind} AND ${sql.raw(pgResultUpstream('auth_index'))} = ${opts.upstream}`
          : byKind;
      const [c] = await q(sql<{ n: number }>`SELECT count(*) AS n FROM pool_inspection_result WHERE ${where}`);
      const items = (
        await q(
          sql<Row>`SELECT * FROM pool_inspection_result WHERE ${where} ORDER BY id DESC
            LIMIT ${opts.limit} OFFSET ${opts.offset}`,
        )
      ).map(toResult);
      return { items, total: c?.n ?? 0 };
    },
    async resultCountsByUpstream(runId) {
      const up = sql.raw(pgResultUpstream('auth_index'));
      return (
        await q(
          sql<{ upstream: string; result: PoolInspectionResultKind; n: number }>`SELECT ${up} AS upstream, result,
            count(*)::int AS n FROM pool_inspection_result WHERE run_id = ${runId} GROUP BY 1, 2 ORDER BY 1, 2`,
        )
      ).map((r) => ({ upstream: r.upstream, result: r.result, n: Number(r.n) }));
    },
    async resultsFor(authIndex, limit) {
      return (
        await q(sql<Row>`SELECT * FROM pool_inspection_result WHERE auth_index = ${authIndex} ORDER BY id DESC LIMIT ${limit}`)
      ).map(toResult);
    },
    async pruneRuns(opts) {
      const keep = opts.keepRuns ?? 30;
      // SQLite reads a negative OFFSET as 0; Postgres refuses one.
      const [cut] = await q(
        sql<{ id: number }>`SELECT id FROM pool_inspection_run ORDER BY id DESC LIMIT 1 OFFSET ${Math.max(0, keep - 1)}`,
      );
      if (cut === undefined) return 0;
      return db.transaction().execute(async (trx) => {
        await q(sql`DELETE FROM pool_inspection_result WHERE run_id < ${cut.id}`, trx);
        return changes(sql`DELETE FROM pool_inspection_run WHERE id < ${cut.id} AND state <> 'running'`, trx);
      });
    },
  };
  return repo;
}
