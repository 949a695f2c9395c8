// What the HTTP routes, /status and the live stream show of a job: the stored record without its resume
// cursor (an internal detail of the job's kind).
import type { JobRecord } from '@cpamp/store';
import { z } from 'zod';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export const JobViewSchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  state: z.enum(JOB_STATES),
  params: z.unknown(),
  progress: z.object({ done: z.number(), total: z.number().nullable(), message: z.string().nullable() }),
  result: z.unknown(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  cancelRequested: z.boolean(),
  createdMs: z.number(),
  startedMs: z.number().nullable(),
  updatedMs: z.number(),
  finishedMs: z.number().nullable(),
});
export type JobView = z.infer<typeof JobViewSchema>;

export function jobView(job: JobRecord): JobView {
  const { cursor: _cursor, ...view } = job;
  return view;
}

export const JobListSchema = z.object({ jobs: z.array(JobViewSchema) });

export const JobIdParams = z.object({ id: z.coerce.number().int().positive() });

export const JobListQuery = z.object({
  /** One state or a comma-separated list. */
  state: z
    .string()
    .max(200)
    .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .pipe(z.array(z.enum(JOB_STATES)))
    .optional(),
  kind: z.string().max(100).optional(),
  /** Only jobs with a smaller id: pass the last id of a page for the next one. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
