// Shapes shared by several routes. Objects are loose: CPA adds fields across versions.
import { z } from 'zod';

/** `{"status":"ok"}` answered by most config writes; extra fields kept. */
export const StatusOkSchema = z.looseObject({ status: z.string().optional() });
export type CpaStatusOk = z.output<typeof StatusOkSchema>;

/** One 10-minute bucket of CPA's in-memory request counters. */
export const RecentRequestBucketSchema = z.looseObject({
  time: z.string().optional(),
  success: z.number().optional(),
  failed: z.number().optional(),
});
export type CpaRecentRequestBucket = z.output<typeof RecentRequestBucketSchema>;

/** A number that older CPA builds sometimes wrote as a numeric string. */
export const NumberLikeSchema = z.union([z.number(), z.string()]);
