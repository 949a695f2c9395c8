// Client API keys (top-level `api-keys`) and per-credential usage counters.
import { z } from 'zod';
import { RecentRequestBucketSchema } from './common.schema';

export const ApiKeysResponseSchema = z.looseObject({ 'api-keys': z.array(z.string()).nullable() });

export const ApiKeyUsageEntrySchema = z.looseObject({
  success: z.number().optional(),
  failed: z.number().optional(),
  recent_requests: z.array(RecentRequestBucketSchema).nullish(),
});
export type CpaApiKeyUsageEntry = z.output<typeof ApiKeyUsageEntrySchema>;

/** provider → "<base_url>|<api_key>" → counters. */
export const ApiKeyUsageSchema = z.record(
  z.string(),
  z.record(z.string(), ApiKeyUsageEntrySchema).nullable(),
);
export type CpaApiKeyUsage = z.output<typeof ApiKeyUsageSchema>;
