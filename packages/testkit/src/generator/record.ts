/** Assembles one record in CPA's JSON key order, keeping only the fields the emulated version has. */
import type { ClientKey } from './clients';
import type { Failure } from './failures';
import type { TimestampFormatter } from './timestamp';
import type { AttemptTokens } from './tokens';
import type { CpaLegacyTokens, CpaUsageRecord, GeneratedAccount } from './types';
import type { RecordFeatures } from './versions';

/** Everything request-level that the attempts of one client request share. */
export interface RequestSpec {
  key: ClientKey;
  clientIp: string;
  userAgent: string;
  model: string;
  alias: string;
  endpoint: string;
  requestId: string;
  reasoningEffort: string;
  serviceTier: string;
  generate: boolean;
}

/** One upstream attempt. */
export interface AttemptSpec {
  request: RequestSpec;
  account: GeneratedAccount;
  startMicros: number;
  nanos: number;
  latencyMs: number;
  ttftMs: number;
  tokens: AttemptTokens;
  failure: Failure | null;
  responseHeaders: Record<string, string[]> | null;
  responseServiceTier: string;
  /** Overrides request.model (additional-model records such as Codex image generation). */
  model?: string;
}

const SUCCESS_FAIL = { status_code: 200, body: '' } as const;

function trimTokens(t: CpaLegacyTokens, f: RecordFeatures): CpaLegacyTokens {
  if (!f.cacheTokenFields) {
    return {
      input_tokens: t.input_tokens,
      output_tokens: t.output_tokens,
      reasoning_tokens: t.reasoning_tokens,
      cached_tokens: t.cached_tokens,
      total_tokens: t.total_tokens,
    };
  }
  if (!f.cacheReadPresent) {
    return {
      input_tokens: t.input_tokens,
      output_tokens: t.output_tokens,
      reasoning_tokens: t.reasoning_tokens,
      cached_tokens: t.cached_tokens,
      cache_read_tokens: t.cache_read_tokens ?? 0,
      cache_creation_tokens: t.cache_creation_tokens ?? 0,
      total_tokens: t.total_tokens,
    };
  }
  return t;
}

/** Full v7.2.140 record (the hot path: one object literal, fixed key order). */
function latest(a: AttemptSpec, timestamp: string): CpaUsageRecord {
  const r = a.request;
  const acc = a.account;
  const model = a.model ?? r.model;
  const rec = {
    timestamp,
    latency_ms: a.latencyMs,
    ttft_ms: a.ttftMs,
    source: acc.source,
    auth_index: acc.authIndex,
  } as CpaUsageRecord;
  if (acc.accessTokenSha256) rec.access_token_sha256 = acc.accessTokenSha256;
  rec.client_ip = r.clientIp;
  rec.x_forwarded_for = r.key.forwardedFor;
  rec.user_agent = r.userAgent;
  rec.tokens = a.tokens.tokens;
  rec.failed = a.failure !== null;
  rec.generate = r.generate;
  rec.fail = a.failure ? { status_code: a.failure.status, body: a.failure.body } : { ...SUCCESS_FAIL };
  if (a.responseHeaders) rec.response_headers = a.responseHeaders;
  rec.accounting_version = 2;
  rec.token_breakdown = a.tokens.breakdown;
  rec.provider = acc.provider;
  rec.executor_type = acc.executorType;
  rec.model = model;
  rec.alias = a.model ? model : r.alias;
  rec.endpoint = r.endpoint;
  rec.auth_type = acc.authType;
  rec.api_key = r.key.apiKey;
  rec.request_id = r.requestId;
  rec.reasoning_effort = r.reasoningEffort;
  rec.service_tier = r.serviceTier;
  if (a.responseServiceTier) rec.response_service_tier = a.responseServiceTier;
  return rec;
}

/** Version-trimmed record for emulating older CPA releases. */
function older(a: AttemptSpec, timestamp: string, f: RecordFeatures): CpaUsageRecord {
  const r = a.request;
  const acc = a.account;
  const model = a.model ?? r.model;
  // Same key order as Go's struct, minus the fields this version did not have yet.
  const out: Record<string, unknown> = { timestamp, latency_ms: a.latencyMs };
  if (f.ttft) out.ttft_ms = a.ttftMs;
  out.source = acc.source;
  out.auth_index = acc.authIndex;
  if (f.accessTokenHash && acc.accessTokenSha256) out.access_token_sha256 = acc.accessTokenSha256;
  if (f.clientMeta) {
    out.client_ip = r.clientIp;
    out.x_forwarded_for = r.key.forwardedFor;
    out.user_agent = r.userAgent;
  }
  out.tokens = trimTokens(a.tokens.tokens, f);
  out.failed = a.failure !== null;
  if (f.generate) out.generate = r.generate;
  if (f.fail)
    out.fail = a.failure ? { status_code: a.failure.status, body: a.failure.body } : { ...SUCCESS_FAIL };
  if (f.responseHeaders && a.responseHeaders) out.response_headers = a.responseHeaders;
  if (f.tokenBreakdown) {
    out.accounting_version = 2;
    out.token_breakdown = a.tokens.breakdown;
  }
  out.provider = acc.provider;
  if (f.executorType) out.executor_type = acc.executorType;
  out.model = model;
  if (f.alias) out.alias = a.model ? model : r.alias;
  out.endpoint = r.endpoint;
  out.auth_type = acc.authType;
  out.api_key = r.key.apiKey;
  out.request_id = r.requestId;
  if (f.reasoningEffort) out.reasoning_effort = r.reasoningEffort;
  if (f.serviceTier) out.service_tier = r.serviceTier;
  if (f.responseServiceTier && a.responseServiceTier) out.response_service_tier = a.responseServiceTier;
  return out as unknown as CpaUsageRecord;
}

export function buildRecord(
  a: AttemptSpec,
  fmt: TimestampFormatter,
  f: RecordFeatures,
  isLatest: boolean,
): CpaUsageRecord {
  const timestamp = fmt.format(a.startMicros, a.nanos, a.request.key.offsetMinutes);
  return isLatest ? latest(a, timestamp) : older(a, timestamp, f);
}
