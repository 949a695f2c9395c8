// The row codec both dialects share: JSON columns as text, so a row reads back the same from SQLite and
// Postgres, and the one place the state-change timestamps are decided.
import { StoreError } from '../errors';
import { JOB_FINAL_STATES, type JobListFilter, type JobRecord, type JobState, type JobUpdate } from './jobs.types';

export interface JobRow {
  id: number;
  kind: string;
  state: string;
  params: string;
  done: number;
  total: number | null;
  message: string | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  cursor: string | null;
  /** 0/1 in SQLite, a boolean in Postgres. */
  cancel_requested: number | boolean;
  created_ms: number;
  started_ms: number | null;
  updated_ms: number;
  finished_ms: number | null;
}

const STATES: ReadonlySet<string> = new Set<JobState>(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

const parse = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));
/** undefined (nothing to store) is kept as SQL NULL, like null. */
export const jsonText = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

export function isFinalJobState(state: JobState): boolean {
  return JOB_FINAL_STATES.includes(state);
}

export function jobFromRow(r: JobRow): JobRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    state: r.state as JobState,
    params: parse(r.params),
    progress: { done: r.done, total: r.total, message: r.message },
    result: parse(r.result),
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
    cursor: parse(r.cursor),
    cancelRequested: r.cancel_requested === true || r.cancel_requested === 1,
    createdMs: r.created_ms,
    startedMs: r.started_ms,
    updatedMs: r.updated_ms,
    finishedMs: r.finished_ms,
  };
}

/** The record after `patch`: started once on the first move to running, finished on a final state. */
export function applyJobUpdate(current: JobRecord, patch: JobUpdate, now: number): JobRecord {
  if (patch.state !== undefined && !STATES.has(patch.state))
    throw new StoreError('invalid_query', `Unknown job state "${String(patch.state)}".`);
  const state = patch.state ?? current.state;
  const final = isFinalJobState(state);
  return {
    ...current,
    state,
    progress: patch.progress
      ? {
          done: patch.progress.done,
          total: patch.progress.total === undefined ? current.progress.total : patch.progress.total,
          message: patch.progress.message === undefined ? current.progress.message : patch.progress.message,
        }
      : current.progress,
    cursor: patch.cursor === undefined ? current.cursor : patch.cursor,
    result: patch.result === undefined ? current.result : patch.result,
    error: patch.error === undefined ? current.error : patch.error,
    startedMs: current.startedMs ?? (state === 'running' ? now : null),
    updatedMs: now,
    finishedMs: final ? (current.finishedMs ?? now) : null,
  };
}

export function listLimit(filter: JobListFilter): number {
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new StoreError('invalid_query', `Job list limit must be an integer from 1 to 1000, got ${limit}.`);
  return limit;
}
