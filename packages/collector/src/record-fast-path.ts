// Fast path in front of usageRecordSchema: a record whose known fields already have their canonical
// types (what current CPA emits) is accepted as-is, at a cost proportional to its own keys. Anything
// else — aliases with odd types, numeric strings, nulls, wrong types — goes through the zod schema,
// which stays the single source of truth for coercion and for rejection reasons.
import type { RawUsageRecord } from './record.schema';

type Kind = 'str' | 'count' | 'bool' | 'ts' | 'tokens' | 'breakdown' | 'fail' | 'headers' | 'any';

const S: Kind = 'str';
const C: Kind = 'count';
const B: Kind = 'bool';
const T: Kind = 'ts';

/** Mirrors flatTokenCounts in record.schema.ts: accepted at the top level and inside `tokens` / `usage`. */
const FLAT_TOKENS: Record<string, Kind> = {
  input_tokens: C,
  prompt_tokens: C,
  output_tokens: C,
  completion_tokens: C,
  reasoning_tokens: C,
  cached_tokens: C,
  cache_read_tokens: C,
  cache_creation_tokens: C,
  total_tokens: C,
};

const TOP: Record<string, Kind> = {
  timestamp: T,
  time: T,
  created_at: T,
  createdAt: T,
  created: T,
  request_time: T,
  requestTime: T,
  request_id: S,
  requestId: S,
  auth_index: S,
  authIndex: S,
  AuthIndex: S,
  'auth-index': S,
  auth_type: S,
  authType: S,
  source: S,
  account: S,
  email: S,
  api_key: S,
  apiKey: S,
  provider: S,
  type: S,
  executor_type: S,
  model: S,
  model_name: S,
  resolved_model: S,
  alias: S,
  requested_model: S,
  endpoint: S,
  api: S,
  method: S,
  http_method: S,
  path: S,
  url_path: S,
  route: S,
  client_ip: S,
  x_forwarded_for: S,
  user_agent: S,
  failed: B,
  is_failed: B,
  success: B,
  ok: B,
  generate: B,
  status: C, // zod turns numeric strings into numbers here, so only canonical counts skip it
  status_code: C,
  http_status: C,
  fail: 'fail',
  fail_status_code: C,
  fail_body: 'any',
  error: 'any',
  error_message: 'any',
  latency_ms: C,
  latencyMs: C,
  duration_ms: C,
  durationMs: C,
  elapsed_ms: C,
  elapsedMs: C,
  ttft_ms: C,
  ttftMs: C,
  time_to_first_token_ms: C,
  reasoning_effort: S,
  service_tier: S,
  request_service_tier: S,
  response_service_tier: S,
  response_headers: 'headers',
  headers: 'headers',
  tokens: 'tokens',
  usage: 'tokens',
  accounting_version: C,
  token_breakdown: 'breakdown',
  ...FLAT_TOKENS,
};

const TOKENS: Record<string, Kind> = {
  ...FLAT_TOKENS,
  cache_tokens: C,
  cache_read_input_tokens: C,
  cache_read_tokens_present: B,
  cache_creation_input_tokens: C,
  cache_write_tokens: C,
  cache_write_input_tokens: C,
  total: C,
};
const BD_IN: Record<string, Kind> = {
  total_tokens: C,
  uncached_tokens: C,
  cache_read_tokens: C,
  cache_write_tokens: C,
};
const BD_OUT: Record<string, Kind> = { total_tokens: C, non_reasoning_tokens: C, reasoning_tokens: C };
const BD: Record<string, Kind> = { schema_version: C, quality: S, total_tokens: C, unclassified_tokens: C };

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'str':
      return typeof v === 'string';
    case 'count':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1e15;
    case 'bool':
      return typeof v === 'boolean';
    case 'ts':
      return (typeof v === 'string' && v.length <= 80) || (typeof v === 'number' && Number.isFinite(v));
    case 'tokens':
      return isPlain(v) && fitsAll(TOKENS, v);
    case 'breakdown':
      return (
        isPlain(v) &&
        fitsAll(BD, v) &&
        (v.input === undefined || (isPlain(v.input) && fitsAll(BD_IN, v.input))) &&
        (v.output === undefined || (isPlain(v.output) && fitsAll(BD_OUT, v.output)))
      );
    case 'fail':
      return isPlain(v) && (v.status_code === undefined || fits('count', v.status_code));
    case 'headers':
      return isPlain(v);
    case 'any':
      return v !== undefined;
  }
}

function fitsAll(spec: Record<string, Kind>, obj: Record<string, unknown>): boolean {
  for (const key in obj) {
    const kind = spec[key];
    if (kind !== undefined && !fits(kind, obj[key])) return false;
  }
  return true;
}

/** The record itself when every known field is canonical, else null (use the zod schema). */
export function fastParseRecord(v: Record<string, unknown>): RawUsageRecord | null {
  return fitsAll(TOP, v) ? (v as RawUsageRecord) : null;
}
