/** Where a background job is: queued → running → one of the three final states. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const JOB_FINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export interface JobProgress {
  done: number;
  /** Null while the amount of work is unknown. */
  total: number | null;
  message: string | null;
}

/** A coded failure: the code comes from the closed error unions of the server and the libraries. */
export interface JobError {
  code: string;
  message: string;
}

export interface JobRecord {
  id: number;
  kind: string;
  state: JobState;
  /** JSON the job was started with. */
  params: unknown;
  progress: JobProgress;
  /** JSON the job returned (null until it finishes, or when it returned nothing). */
  result: unknown;
  error: JobError | null;
  /** JSON a resumable job saves to carry on from after a restart; null before its first save. */
  cursor: unknown;
  /** Set by a cancel request; the runner aborts the job and the job stops between chunks. */
  cancelRequested: boolean;
  createdMs: number;
  startedMs: number | null;
  updatedMs: number;
  finishedMs: number | null;
}

export interface JobCreateInput {
  kind: string;
  params?: unknown;
}

/** Fields left out stay unchanged; `cursor: null` / `error: null` clear them. */
export interface JobUpdate {
  state?: JobState;
  progress?: { done: number; total?: number | null; message?: string | null };
  cursor?: unknown;
  result?: unknown;
  error?: JobError | null;
}

export interface JobListFilter {
  states?: readonly JobState[];
  kind?: string;
  /** Only jobs with a smaller id (paging back through history). */
  beforeId?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}
