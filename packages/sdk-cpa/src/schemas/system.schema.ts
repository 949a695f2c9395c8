// api-call passthrough, reset-quota, latest-version.
import { z } from 'zod';

export const ApiCallResultSchema = z.looseObject({
  status_code: z.number(),
  header: z.record(z.string(), z.array(z.string()).nullable()).nullish(),
  body: z.string().nullish(),
});

export const LatestVersionSchema = z.looseObject({ 'latest-version': z.string() });
