// normalizeRecord: one raw CPA usage record (object, JSON string or bytes) → one UsageEvent, or a reason.
// Pure and total: never throws, whatever the input.
import { controlPayloadSchema, usageRecordSchema, type RawUsageRecord } from './record.schema';
import { fastParseRecord } from './record-fast-path';
import { cleanText, maskSecret, redactAndCap, sha256Hex } from './redact';
import { parseTimestamp } from './timestamp';
import { bucketsFromBreakdown, bucketsFromFlat, tokenSemantics, type TokenBuckets } from './tokens';
import type { UsageEvent } from './usage-event';

export interface NormalizeOptions {
  /** Larger raw payloads are rejected (default 256 KiB). */
  maxRecordBytes?: number;
  /** Cap for the redacted failure body (default 2048 bytes). */
  maxFailBodyBytes?: number;
}

export type NormalizeResult = { ok: true; event: UsageEvent } | { ok: false; reason: string };

const DEFAULT_MAX_RECORD_BYTES = 256 * 1024;
const DEFAULT_MAX_FAIL_BODY = 2048;
const SHORT = 256; // model, provider, endpoint, source, …
const UA_MAX = 512;

export type ControlKind = 'refresh' | 'support_refresh';

/** Recognises the usage channel's control payloads; null for everything else. */
export function controlPayloadKind(raw: unknown): ControlKind | null {
  let v = raw;
  if (typeof v === 'string') {
    if (v.length > 64 || !v.includes('refresh')) return null;
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  // Cheap pre-check: control payloads are one-key objects; everything else skips the schema.
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1 || (keys[0] !== 'refresh' && keys[0] !== 'support_refresh')) return null;
  const r = controlPayloadSchema.safeParse(v);
  if (!r.success) return null;
  return 'refresh' in r.data ? 'refresh' : 'support_refresh';
}

export function normalizeRecord(raw: unknown, opts: NormalizeOptions = {}): NormalizeResult {
  try {
    return normalizeUnsafe(raw, opts);
  } catch (e) {
    // Defensive: the pure code below should not throw, but the contract is "never throws".
    return {
      ok: false,
      reason: `internal normalisation error: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

/** normalizeRecord without the fast path (zod only): the reference the fast path is tested against. */
export function normalizeRecordViaSchema(raw: unknown, opts: NormalizeOptions = {}): NormalizeResult {
  try {
    return normalizeUnsafe(raw, opts, false);
  } catch (e) {
    return {
      ok: false,
      reason: `internal normalisation error: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

function normalizeUnsafe(raw: unknown, opts: NormalizeOptions, fastPath = true): NormalizeResult {
  const maxBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let value: unknown = raw;
  if (value instanceof Uint8Array) {
    if (value.byteLength > maxBytes)
      return { ok: false, reason: `record too large (${value.byteLength} bytes > ${maxBytes})` };
    value = Buffer.from(value).toString('utf8');
  }
  if (typeof value === 'string') {
    // length is UTF-16 units; a cheap upper bound check first, exact byte length only when close
    if (value.length > maxBytes || (value.length > maxBytes / 3 && Buffer.byteLength(value) > maxBytes)) {
      return { ok: false, reason: `record too large (${Buffer.byteLength(value)} bytes > ${maxBytes})` };
    }
    try {
      value = JSON.parse(value);
    } catch (e) {
      return {
        ok: false,
        reason: `invalid JSON: ${e instanceof Error ? e.message.slice(0, 120) : 'parse error'}`,
      };
    }
    // CPA's queue may carry a JSON string whose content is the record (double-encoded)
    if (typeof value === 'string') return normalizeUnsafe(value, opts, fastPath);
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const size = approxSize(value, maxBytes);
    if (size > maxBytes) return { ok: false, reason: `record too large (more than ${maxBytes} bytes)` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      reason: `not a JSON object (got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`,
    };
  }
  if (controlPayloadKind(value) !== null) return { ok: false, reason: 'control payload, not a usage record' };
  const fast = fastPath ? fastParseRecord(value as Record<string, unknown>) : null;
  if (fast) return build(fast, opts);
  const parsed = usageRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'record';
    return {
      ok: false,
      reason: `invalid field ${where}: ${issue?.message ?? 'schema mismatch'}`.slice(0, 300),
    };
  }
  return build(parsed.data, opts);
}

/** Size guard for already-parsed objects (strings dominate; stop counting once over the limit). */
function approxSize(v: unknown, limit: number, depth = 0): number {
  if (typeof v === 'string') return v.length;
  if (v === null || typeof v !== 'object' || depth > 8) return 8;
  let total = 0;
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    total += k.length + approxSize(child, limit, depth + 1);
    if (total > limit) return total;
  }
  return total;
}

function pick(...vals: (string | undefined)[]): string {
  for (const v of vals) if (v !== undefined && v !== '') return v;
  return '';
}
function pickNum(...vals: (number | undefined)[]): number | undefined {
  return vals.find((v) => v !== undefined);
}

const TIMESTAMP_KEYS = [
  'timestamp',
  'time',
  'created_at',
  'createdAt',
  'created',
  'request_time',
  'requestTime',
] as const;

function build(r: RawUsageRecord, opts: NormalizeOptions): NormalizeResult {
  const tsRaw = TIMESTAMP_KEYS.map((k) => r[k]).find((v) => v !== undefined);
  if (tsRaw === undefined) return { ok: false, reason: 'missing timestamp' };
  const ts = parseTimestamp(tsRaw);
  if (!ts)
    return { ok: false, reason: `unparseable timestamp ${JSON.stringify(String(tsRaw).slice(0, 40))}` };

  const provider = cleanText(pick(r.provider, r.type) || 'unknown', SHORT);
  const executorType = cleanText(pick(r.executor_type) || 'unknown', SHORT);
  const model = cleanText(pick(r.resolved_model, r.model, r.model_name) || 'unknown', SHORT);
  const alias = cleanText(pick(r.alias, r.requested_model) || model, SHORT);
  const method = pick(r.method, r.http_method);
  const path = pick(r.path, r.url_path, r.route);
  const endpoint = cleanText(
    pick(r.endpoint, r.api) || (method || path ? `${method} ${path}`.trim() : ''),
    SHORT,
  );
  const authTypeRaw = pick(r.auth_type, r.authType).toLowerCase().replace('_', '');
  const authType = authTypeRaw === 'oauth' || authTypeRaw === 'apikey' ? authTypeRaw : 'unknown';
  const authIndex = cleanText(pick(r.auth_index, r.authIndex, r.AuthIndex, r['auth-index']), 64);
  const apiKey = pick(r.api_key, r.apiKey);
  const apiKeyHash = apiKey ? sha256Hex(apiKey) : '';
  const apiKeyLabel = apiKey ? cleanText(maskSecret(apiKey), 64) : '';
  const source = cleanSource(pick(r.source, r.account, r.email), authType, apiKey);
  const requestId = cleanText(pick(r.request_id, r.requestId), 64);

  const failBodyRaw =
    r.fail?.body ?? r.fail_body ?? (r.failed === true ? (r.error_message ?? r.error) : undefined);
  const failed = resolveFailed(r);
  let statusCode =
    pickNum(
      r.fail?.status_code,
      r.fail_status_code,
      r.status_code,
      r.http_status,
      typeof r.status === 'number' ? r.status : undefined,
    ) ?? (failed ? 0 : 200);
  if (statusCode > 999) statusCode = 0;
  const failBody =
    failed && failBodyRaw !== undefined
      ? redactAndCap(stringify(failBodyRaw), opts.maxFailBodyBytes ?? DEFAULT_MAX_FAIL_BODY)
      : '';

  const buckets = resolveTokens(r, provider, executorType);
  const latencyMs =
    pickNum(r.latency_ms, r.latencyMs, r.duration_ms, r.durationMs, r.elapsed_ms, r.elapsedMs) ?? 0;
  const ttftMs = pickNum(r.ttft_ms, r.ttftMs, r.time_to_first_token_ms) ?? 0;

  const event: UsageEvent = {
    dedupKey: '',
    requestId,
    timestampMs: ts.ms,
    provider,
    executorType,
    model,
    alias,
    endpoint,
    authType,
    authIndex,
    source,
    apiKeyHash,
    apiKeyLabel,
    clientIp: cleanText(pick(r.client_ip), 64),
    userAgent: cleanText(pick(r.user_agent), UA_MAX),
    failed,
    statusCode,
    failBody,
    latencyMs,
    ttftMs,
    reasoningEffort: cleanText(pick(r.reasoning_effort), 64),
    serviceTier: cleanText(pick(r.request_service_tier, r.service_tier), 64),
    responseServiceTier: cleanText(pick(r.response_service_tier), 64),
    generate: r.generate ?? true,
    ...bucketsOnly(buckets),
  };
  const headers = rateLimitHeaders(r.response_headers ?? r.headers);
  if (headers) event.rateLimitHeaders = headers;
  event.dedupKey = dedupKeyOf(event, ts.subMsNanos);
  return { ok: true, event };
}

function bucketsOnly(b: TokenBuckets): TokenBuckets {
  return { ...b };
}

function resolveTokens(r: RawUsageRecord, provider: string, executorType: string): TokenBuckets {
  if (r.token_breakdown && r.accounting_version !== undefined && r.accounting_version >= 2) {
    return bucketsFromBreakdown(r.token_breakdown);
  }
  const flat = r.tokens ??
    r.usage ?? {
      input_tokens: r.input_tokens,
      prompt_tokens: r.prompt_tokens,
      output_tokens: r.output_tokens,
      completion_tokens: r.completion_tokens,
      reasoning_tokens: r.reasoning_tokens,
      cached_tokens: r.cached_tokens,
      cache_read_tokens: r.cache_read_tokens,
      cache_creation_tokens: r.cache_creation_tokens,
      total_tokens: r.total_tokens,
    };
  return bucketsFromFlat(flat, tokenSemantics(provider, executorType));
}

function resolveFailed(r: RawUsageRecord): boolean {
  if (r.failed !== undefined) return r.failed;
  if (r.is_failed !== undefined) return r.is_failed;
  if (r.success !== undefined) return !r.success;
  if (r.ok !== undefined) return !r.ok;
  const status = pickNum(
    r.fail?.status_code,
    r.fail_status_code,
    r.status_code,
    r.http_status,
    typeof r.status === 'number' ? r.status : undefined,
  );
  if (status !== undefined) return status >= 400;
  return r.error !== undefined && r.error !== null && r.error !== ''
    ? true
    : r.error_message !== undefined && r.error_message !== '';
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const KEYLIKE = /^(sk-|AIza|xai-|gsk_|key-|api-)|^[A-Za-z0-9_-]{32,}$/;

/** `source` is an email/project id for OAuth, but the upstream provider key in plaintext for api-key creds. */
function cleanSource(source: string, authType: string, apiKey: string): string {
  if (source === '') return '';
  if (
    authType === 'apikey' ||
    (apiKey !== '' && source === apiKey) ||
    (!EMAIL.test(source) && KEYLIKE.test(source))
  ) {
    return maskSecret(source);
  }
  return cleanText(source, SHORT);
}

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return String(v);
  }
}

const RATE_HEADER =
  /^(x-ratelimit-|x-rate-limit-|anthropic-ratelimit-|x-codex-|retry-after$|x-should-retry$|x-openai-(authorization-error|ide-error-code|ide-root-error-code)$|x-request-id$|x-oai-request-id$)/;

function rateLimitHeaders(h: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!h) return undefined;
  const out: Record<string, string> = {};
  let kept = 0;
  for (const [k, v] of Object.entries(h)) {
    const key = k.toLowerCase();
    if (!RATE_HEADER.test(key)) continue;
    const text = Array.isArray(v)
      ? v.map((x) => String(x)).join(', ')
      : v === null || v === undefined
        ? ''
        : String(v);
    out[cleanText(key, 64)] = redactAndCap(text, 256);
    if (++kept >= 40) break;
  }
  return kept > 0 ? out : undefined;
}

/**
 * The attempt's identity. Everything here is identical on an exact redelivery, and at least one field
 * (auth_index, failure, tokens, latency, the ns timestamp) differs between retries of one request.
 */
export function dedupKeyOf(e: UsageEvent, subMsNanos = 0): string {
  return sha256Hex(
    [
      'v1',
      e.requestId,
      `${e.timestampMs}.${String(subMsNanos).padStart(6, '0')}`,
      e.authIndex,
      e.model,
      e.alias,
      e.endpoint,
      e.apiKeyHash,
      e.failed ? '1' : '0',
      e.statusCode,
      e.inputTokens,
      e.cacheReadTokens,
      e.cacheCreationTokens,
      e.outputTokens,
      e.reasoningTokens,
      e.unclassifiedTokens,
      e.latencyMs,
    ].join('|'),
  );
}
