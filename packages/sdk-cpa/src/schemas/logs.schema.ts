// Main log tail, error request logs.
import { z } from 'zod';

export const LogsResponseSchema = z.looseObject({
  lines: z.array(z.string()).nullable(),
  'line-count': z.number().optional(),
  'latest-timestamp': z.number().optional(),
  'next-cursor': z.string().optional(),
  'cursor-reset': z.boolean().optional(),
});

export const ClearLogsResultSchema = z.looseObject({
  success: z.boolean().optional(),
  message: z.string().optional(),
  removed: z.number().optional(),
});
export type CpaClearLogsResult = z.output<typeof ClearLogsResultSchema>;

export const RequestErrorLogFileSchema = z.looseObject({
  name: z.string(),
  size: z.number().optional(),
  modified: z.number().optional(),
});
export type CpaRequestErrorLogFile = z.output<typeof RequestErrorLogFileSchema>;
export const RequestErrorLogListSchema = z.looseObject({
  files: z.array(RequestErrorLogFileSchema).nullable(),
});
