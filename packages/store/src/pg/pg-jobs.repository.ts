import { sql } from 'kysely';
import { applyJobUpdate, jobFromRow, jsonText, listLimit, type JobRow } from '../jobs/job-row';
import type { JobsRepository } from '../jobs/jobs.repository';
import type { JobRecord } from '../jobs/jobs.types';
import { rows, type PgDb, type PgExec } from './pg-connection';

const FINAL = sql.raw(`('succeeded', 'failed', 'cancelled')`);

export function createPgJobsRepository(deps: {
  db: PgDb;
  now: () => number;
  assertOpen: () => void;
}): JobsRepository {
  const { db, now } = deps;
  const get = async (exec: PgExec, id: number, lock = false): Promise<JobRecord | undefined> => {
    const found = await rows(
      exec,
      sql<JobRow>`SELECT * FROM jobs WHERE id = ${id}${lock ? sql` FOR UPDATE` : sql``}`,
    );
    return found[0] ? jobFromRow(found[0]) : undefined;
  };
  return {
    async create(input) {
      deps.assertOpen();
      const t = now();
      const [row] = await rows(
        db,
        sql<JobRow>`INSERT INTO jobs (kind, state, params, done, created_ms, updated_ms)
          VALUES (${input.kind}, 'queued', ${jsonText(input.params) ?? 'null'}, 0, ${t}, ${t}) RETURNING *`,
      );
      return jobFromRow(row as JobRow);
    },
    async get(id) {
      deps.assertOpen();
      return get(db, id);
    },
    async list(filter = {}) {
      deps.assertOpen();
      const where = [sql`true`];
      if (filter.states?.length) where.push(sql`state = ANY(${[...filter.states]}::text[])`);
      if (filter.kind !== undefined) where.push(sql`kind = ${filter.kind}`);
      if (filter.beforeId !== undefined) where.push(sql`id < ${filter.beforeId}`);
      const found = await rows(
        db,
        sql<JobRow>`SELECT * FROM jobs WHERE ${sql.join(where, sql` AND `)} ORDER BY id DESC LIMIT ${listLimit(filter)}`,
      );
      return found.map(jobFromRow);
    },
    async update(id, patch) {
      deps.assertOpen();
      return db.transaction().execute(async (trx) => {
        const current = await get(trx, id, true);
        if (!current) return undefined;
        const next = applyJobUpdate(current, patch, now());
        await sql`UPDATE jobs SET state = ${next.state}, done = ${next.progress.done},
            total = ${next.progress.total}, message = ${next.progress.message}, result = ${jsonText(next.result)},
            error_code = ${next.error?.code ?? null}, error_message = ${next.error?.message ?? null},
            cursor = ${jsonText(next.cursor)}, started_ms = ${next.startedMs}, updated_ms = ${next.updatedMs},
            finished_ms = ${next.finishedMs}
          WHERE id = ${id}`.execute(trx);
        return next;
      });
    },
    async requestCancel(id) {
      deps.assertOpen();
      await sql`UPDATE jobs SET cancel_requested = true, updated_ms = ${now()}
        WHERE id = ${id} AND state NOT IN ${FINAL}`.execute(db);
      return get(db, id);
    },
    async prune({ keep }) {
      deps.assertOpen();
      const r = await sql`DELETE FROM jobs WHERE state IN ${FINAL} AND id NOT IN
          (SELECT id FROM jobs WHERE state IN ${FINAL} ORDER BY id DESC LIMIT ${Math.max(0, Math.floor(keep))})`.execute(db);
      return Number(r.numAffectedRows ?? 0);
    },
  };
}
