// Background jobs (the server's job runner persists every job here so it can resume or report it after a
// restart). Async at the boundary like every repository; SQLite answers synchronously inside.
import type Database from 'better-sqlite3';
import { applyJobUpdate, jobFromRow, jsonText, listLimit, type JobRow } from './job-row';
import type { JobCreateInput, JobListFilter, JobRecord, JobUpdate } from './jobs.types';

export interface JobsRepository {
  /** A new job in state `queued`. */
  create(input: JobCreateInput): Promise<JobRecord>;
  get(id: number): Promise<JobRecord | undefined>;
  /** Newest first. */
  list(filter?: JobListFilter): Promise<JobRecord[]>;
  /** Undefined when the job does not exist. */
  update(id: number, patch: JobUpdate): Promise<JobRecord | undefined>;
  /** Flags a queued or running job for cancellation; a finished job is returned unchanged. */
  requestCancel(id: number): Promise<JobRecord | undefined>;
  /** Deletes finished jobs beyond the newest `keep` finished ones; returns how many went. */
  prune(opts: { keep: number }): Promise<number>;
}

const FINAL = `('succeeded', 'failed', 'cancelled')`;

export function createJobsRepository(deps: {
  writer: Database.Database;
  reader: () => Database.Database;
  now: () => number;
}): JobsRepository {
  const { writer, now } = deps;
  const insert = writer.prepare(
    `INSERT INTO jobs (kind, state, params, done, created_ms, updated_ms) VALUES (?, 'queued', ?, 0, ?, ?)`,
  );
  const byId = writer.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?');
  const write = writer.prepare(
    `UPDATE jobs SET state = ?, done = ?, total = ?, message = ?, result = ?, error_code = ?, error_message = ?,
       cursor = ?, started_ms = ?, updated_ms = ?, finished_ms = ? WHERE id = ?`,
  );
  const cancel = writer.prepare(
    `UPDATE jobs SET cancel_requested = 1, updated_ms = ? WHERE id = ? AND state NOT IN ${FINAL}`,
  );
  const prune = writer.prepare(
    `DELETE FROM jobs WHERE state IN ${FINAL} AND id NOT IN
       (SELECT id FROM jobs WHERE state IN ${FINAL} ORDER BY id DESC LIMIT ?)`,
  );
  const get = (id: number) => {
    const row = byId.get(id);
    return row ? jobFromRow(row) : undefined;
  };

  return {
    async create(input) {
      const t = now();
      const id = Number(insert.run(input.kind, jsonText(input.params) ?? 'null', t, t).lastInsertRowid);
      return get(id) as JobRecord;
    },
    async get(id) {
      return get(id);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter.states?.length) {
        where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
        params.push(...filter.states);
      }
      if (filter.kind !== undefined) {
        where.push('kind = ?');
        params.push(filter.kind);
      }
      if (filter.beforeId !== undefined) {
        where.push('id < ?');
        params.push(filter.beforeId);
      }
      params.push(listLimit(filter));
      const rows = deps
        .reader()
        .prepare<(string | number)[], JobRow>(
          `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
        )
        .all(...params);
      return rows.map(jobFromRow);
    },
    async update(id, patch) {
      return writer.transaction(() => {
        const current = get(id);
        if (!current) return undefined;
        const next = applyJobUpdate(current, patch, now());
        write.run(
          next.state,
          next.progress.done,
          next.progress.total,
          next.progress.message,
          jsonText(next.result),
          next.error?.code ?? null,
          next.error?.message ?? null,
          jsonText(next.cursor),
          next.startedMs,
          next.updatedMs,
          next.finishedMs,
          id,
        );
        return next;
      })();
    },
    async requestCancel(id) {
      cancel.run(now(), id);
      return get(id);
    },
    async prune({ keep }) {
      return prune.run(Math.max(0, Math.floor(keep))).changes;
    },
  };
}
