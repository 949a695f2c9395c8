// Lenient schema for every usage-record shape CPA has emitted (v6.9.38 RESP … v7.2.140 token_breakdown)
// plus the aliases older tools and exports used. Lenient about missing fields and aliases; strict about
// types that mean corruption (an object where a count belongs), so such records are dead-lettered with a reason.
import { z } from 'zod';

/** Strings also accept numbers/booleans (stringified); null means absent. */
const looseString = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? undefined : String(v)));

/** A token count / duration: non-negative finite number or numeric string; null means absent. */
const count = z
  .union([
    z.number().finite().nonnegative().max(1e15),
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*$/, 'expected a non-negative number')
      .transform(Number),
    z.null(),
  ])
  .optional()
  .transform((v) => (v === null || v === undefined ? undefined : Math.round(v)));

const looseBool = z
  .union([
    z.boolean(),
    z.literal(0).transform(() => false),
    z.literal(1).transform(() => true),
    z
      .enum(['true', 'false', 'TRUE', 'FALSE', 'True', 'False', '0', '1'])
      .transform((s) => s === 'true' || s === 'TRUE' || s === 'True' || s === '1'),
    z.null(),
  ])
  .optional()
  .transform((v) => (v === null ? undefined : v));

const timestampValue = z
  .union([z.string().max(80, 'timestamp string too long'), z.number().finite(), z.null()])
  .optional()
  .transform((v) => (v === null ? undefined : v));

/** Token counts some tools put flat at the top level of a record; `tokens` / `usage` carry them too. */
const flatTokenCounts = {
  input_tokens: count,
  prompt_tokens: count,
  output_tokens: count,
  completion_tokens: count,
  reasoning_tokens: count,
  cached_tokens: count,
  cache_read_tokens: count,
  cache_creation_tokens: count,
  total_tokens: count,
};

export const tokensSchema = z.looseObject({
  ...flatTokenCounts,
  cache_tokens: count,
  cache_read_input_tokens: count,
  cache_read_tokens_present: looseBool,
  cache_creation_input_tokens: count,
  cache_write_tokens: count,
  cache_write_input_tokens: count,
  total: count,
});
export type RawTokens = z.output<typeof tokensSchema>;

const breakdownInput = z.looseObject({
  total_tokens: count,
  uncached_tokens: count,
  cache_read_tokens: count,
  cache_write_tokens: count,
});
const breakdownOutput = z.looseObject({
  total_tokens: count,
  non_reasoning_tokens: count,
  reasoning_tokens: count,
});
export const tokenBreakdownSchema = z.looseObject({
  schema_version: count,
  quality: looseString,
  total_tokens: count,
  input: breakdownInput.nullish(),
  output: breakdownOutput.nullish(),
  unclassified_tokens: count,
});
export type RawTokenBreakdown = z.output<typeof tokenBreakdownSchema>;

const failSchema = z.looseObject({
  status_code: count,
  body: z.unknown().optional(),
});

/** Header snapshots are evidence only: a malformed map is dropped rather than failing the record. */
const headersSchema = z.record(z.string(), z.unknown()).optional().catch(undefined);

export const usageRecordSchema = z.looseObject({
  // time
  timestamp: timestampValue,
  time: timestampValue,
  created_at: timestampValue,
  createdAt: timestampValue,
  created: timestampValue,
  request_time: timestampValue,
  requestTime: timestampValue,
  // identity of the attempt
  request_id: looseString,
  requestId: looseString,
  auth_index: looseString,
  authIndex: looseString,
  AuthIndex: looseString,
  'auth-index': looseString,
  auth_type: looseString,
  authType: looseString,
  source: looseString,
  account: looseString,
  email: looseString,
  api_key: looseString,
  apiKey: looseString,
  // what was called
  provider: looseString,
  type: looseString,
  executor_type: looseString,
  model: looseString,
  model_name: looseString,
  resolved_model: looseString,
  alias: looseString,
  requested_model: looseString,
  endpoint: looseString,
  api: looseString,
  method: looseString,
  http_method: looseString,
  path: looseString,
  url_path: looseString,
  route: looseString,
  // client
  client_ip: looseString,
  x_forwarded_for: looseString,
  user_agent: looseString,
  // outcome
  failed: looseBool,
  is_failed: looseBool,
  success: looseBool,
  ok: looseBool,
  status: z.union([count, looseString]).optional().catch(undefined),
  status_code: count,
  http_status: count,
  fail: failSchema.nullish(),
  fail_status_code: count,
  fail_body: z.unknown().optional(),
  error: z.unknown().optional(),
  error_message: z.unknown().optional(),
  latency_ms: count,
  latencyMs: count,
  duration_ms: count,
  durationMs: count,
  elapsed_ms: count,
  elapsedMs: count,
  ttft_ms: count,
  ttftMs: count,
  time_to_first_token_ms: count,
  generate: looseBool,
  reasoning_effort: looseString,
  service_tier: looseString,
  request_service_tier: looseString,
  response_service_tier: looseString,
  response_headers: headersSchema,
  headers: headersSchema,
  // tokens
  tokens: tokensSchema.nullish(),
  usage: tokensSchema.nullish(),
  accounting_version: count,
  token_breakdown: tokenBreakdownSchema.nullish(),
  // flat token fields (some tools put them at top level)
  ...flatTokenCounts,
});
export type RawUsageRecord = z.output<typeof usageRecordSchema>;

/** `{"support_refresh":true}` / `{"refresh":true}` on the usage channel are control messages, not records. */
export const controlPayloadSchema = z.union([
  z.object({ refresh: z.literal(true) }).strict(),
  z.object({ support_refresh: z.literal(true) }).strict(),
]);
