import { sqliteResultUpstream } from './pool-result-upstream';
import type { PoolDb } from './pool-db';
import { EMPTY_COUNTS, toRun, toResult, type Row } from './pool-rows';
import type { PoolInspectionResultKind, PoolRetention } from './pool.types';
import type { SyncPoolRepository } from './pool.repository';

/** pool_inspection_run and pool_inspection_result: inspection runs and what each probe found. */
export type PoolInspectionsTable = Pick<
  SyncPoolRepository,
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
  pruneRuns(opts: PoolRetention): number;
};

export function createPoolInspections(db: PoolDb): PoolInspectionsTable {
  const { writer, now, w } = db;
  const stmt = {
    insertResult: writer.prepare(
      `INSERT INTO pool_inspection_result (run_id, auth_index, file_name, provider, result, http_status, detail, windows,
         suggested_action, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    markInspected: writer.prepare(
      'UPDATE pool_account SET last_inspection_ms = ?, last_result = ? WHERE auth_index = ?',
    ),
  };
  const repo: PoolInspectionsTable = {
    createRun(run) {
      const id = Number(
        w(
          'INSERT INTO pool_inspection_run (trigger, state, started_ms, total, done, dry_run, counts, upstream) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
        ).run(
          run.trigger,
          'running',
          now(),
          run.total,
          run.dryRun ? 1 : 0,
          JSON.stringify(EMPTY_COUNTS()),
          run.upstream ?? null,
        ).lastInsertRowid,
      );
      return repo.getRun(id)!;
    },
    updateRun(id, patch) {
      const sets: string[] = [];
      const args: unknown[] = [];
      if (patch.done !== undefined) {
        sets.push('done = ?');
        args.push(patch.done);
      }
      if (patch.total !== undefined) {
        sets.push('total = ?');
        args.push(patch.total);
      }
      if (patch.counts !== undefined) {
        sets.push('counts = ?');
        args.push(JSON.stringify(patch.counts));
      }
      if (patch.error !== undefined) {
        sets.push('error = ?');
        args.push(patch.error);
      }
      if (patch.state !== undefined) {
        sets.push('state = ?');
        args.push(patch.state);
        if (patch.state !== 'running') {
          sets.push('finished_ms = ?');
          args.push(now());
        }
      }
      if (sets.length) w(`UPDATE pool_inspection_run SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
      const r = w('SELECT * FROM pool_inspection_run WHERE id = ?').get(id) as Row;
      return toRun(r);
    },
    getRun: (id) => {
      const r = w('SELECT * FROM pool_inspection_run WHERE id = ?').get(id) as Row | undefined;
      return r ? toRun(r) : undefined;
    },
    listRuns(limit, opts = {}) {
      if (opts.upstream !== undefined)
        return (
          w(
            'SELECT * FROM pool_inspection_run WHERE upstream = ? OR upstream IS NULL ORDER BY id DESC LIMIT ?',
          ).all(opts.upstream, limit) as Row[]
        ).map(toRun);
      return (w('SELECT * FROM pool_inspection_run ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(toRun);
    },
    interruptRunningRuns() {
      return w(
        "UPDATE pool_inspection_run SET state = 'failed', error = 'interrupted by a restart', finished_ms = ? WHERE state = 'running'",
      ).run(now()).changes;
    },
    addResults(results) {
      writer.transaction(() => {
        for (const r of results) {
          stmt.insertResult.run(
            r.runId,
            r.authIndex,
            r.fileName,
            r.provider,
            r.result,
            r.httpStatus,
            r.detail,
            JSON.stringify(r.windows),
            r.suggestedAction,
            r.atMs,
          );
          stmt.markInspected.run(r.atMs, r.result, r.authIndex);
        }
      })();
    },
    listResults(runId, opts) {
      let where = opts.result ? 'run_id = ? AND result = ?' : 'run_id = ?';
      const args: unknown[] = opts.result ? [runId, opts.result] : [runId];
      if (opts.upstream !== undefined) {
        where += ` AND ${sqliteResultUpstream('auth_index')} = ?`;
        args.push(opts.upstream);
      }
      const total = w(`SELECT count(*) FROM pool_inspection_result WHERE ${where}`)
        .pluck()
        .get(...args) as number;
      const items = (
        w(`SELECT * FROM pool_inspection_result WHERE ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(
          ...args,
          opts.limit,
          opts.offset,
        ) as Row[]
      ).map(toResult);
      return { items, total };
    },
    resultCountsByUpstream(runId) {
      return w(
        `SELECT ${sqliteResultUpstream('auth_index')} AS upstream, result, count(*) AS n FROM pool_inspection_result
          WHERE run_id = ? GROUP BY 1, 2 ORDER BY 1, 2`,
      ).all(runId) as { upstream: string; result: PoolInspectionResultKind; n: number }[];
    },
    resultsFor(authIndex, limit) {
      return (
        w('SELECT * FROM pool_inspection_result WHERE auth_index = ? ORDER BY id DESC LIMIT ?').all(
          authIndex,
          limit,
        ) as Row[]
      ).map(toResult);
    },
    pruneRuns(opts) {
      const keep = opts.keepRuns ?? 30;
      const cutoffRun = w('SELECT id FROM pool_inspection_run ORDER BY id DESC LIMIT 1 OFFSET ?')
        .pluck()
        .get(keep - 1) as number | undefined;
      if (cutoffRun === undefined) return 0;
      w('DELETE FROM pool_inspection_result WHERE run_id < ?').run(cutoffRun);
      return w("DELETE FROM pool_inspection_run WHERE id < ? AND state != 'running'").run(cutoffRun).changes;
    },
  };
  return repo;
}
