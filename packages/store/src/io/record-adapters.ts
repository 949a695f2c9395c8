import { z } from 'zod';
import type { NormalizeFn, UsageEventInput } from '../types';
import { normalizeKeyFields } from './key-fields';

const str = z.string().catch('');
const cnt = z.number().int().nonnegative().catch(0);

/** Our own export line (camelCase UsageEvent fields): validated, used as is. */
export const UsageEventLineSchema = z.object({
  dedupKey: z.string().min(1),
  requestId: str,
  timestampMs: z.number().finite(),
  provider: str,
  executorType: str,
  model: str,
  alias: str,
  endpoint: str,
  authType: str,
  authIndex: str,
  source: str,
  apiKeyHash: str,
  apiKeyLabel: str,
  clientIp: str,
  userAgent: str,
  failed: z.boolean(),
  statusCode: z.number().int().catch(0),
  failBody: str,
  latencyMs: cnt,
  ttftMs: cnt,
  reasoningEffort: str,
  serviceTier: str,
  responseServiceTier: str,
  generate: z.boolean().catch(true),
  inputTokens: cnt,
  cacheReadTokens: cnt,
  cacheCreationTokens: cnt,
  outputTokens: cnt,
  reasoningTokens: cnt,
  unclassifiedTokens: cnt,
  totalTokens: cnt,
  tokenQuality: z.enum(['complete', 'inconsistent', 'unclassified', 'legacy']).catch('legacy'),
  rateLimitHeaders: z.record(z.string(), z.string()).optional(),
  upstream: z.string().min(1).max(64).optional().catch(undefined),
});

export type LineKind = 'cpamp' | 'plus_export' | 'raw_cpa';

export function detectLine(obj: Record<string, unknown>): LineKind {
  if ('dedupKey' in obj && 'timestampMs' in obj) return 'cpamp';
  if (typeof obj.event_hash === 'string' || typeof obj.eventHash === 'string') return 'plus_export';
  return 'raw_cpa';
}

const s = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
const n = (v: unknown): number =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))
      ? Number(v)
      : 0;

/**
 * A CPA-Manager / Plus export line or usage_events row → a raw CPA-shaped record the injected
 * normaliser understands. A stored `raw_json` (old CPA-Manager) is the richer witness and wins.
 */
export function plusRowToRaw(row: Record<string, unknown>): Record<string, unknown> {
  if (typeof row.raw_json === 'string' && row.raw_json.startsWith('{')) {
    try {
      const parsed = JSON.parse(row.raw_json) as Record<string, unknown>;
      if (parsed && typeof parsed === 'object' && ('tokens' in parsed || 'token_breakdown' in parsed)) {
        return { timestamp: row.timestamp ?? row.timestamp_ms, ...parsed };
      }
    } catch {
      // fall through to the columns
    }
  }
  const failed = row.failed === true || row.failed === 1 || row.failed === '1' || row.failed === 'true';
  const status = n(row.fail_status_code) || (failed ? 500 : 200);
  const method = s(row.method);
  const path = s(row.path);
  const tsMs = n(row.timestamp_ms);
  return {
    timestamp: tsMs ? new Date(tsMs).toISOString() : s(row.timestamp),
    request_id: s(row.request_id),
    provider: s(row.provider),
    executor_type: s(row.executor_type),
    model: s(row.resolved_model) || s(row.model),
    alias: s(row.requested_model) || s(row.model),
    endpoint: s(row.endpoint) || (method && path ? `${method} ${path}` : ''),
    auth_type: s(row.auth_type),
    auth_index: s(row.auth_index),
    source: s(row.source),
    client_ip: s(row.client_ip),
    user_agent: s(row.user_agent),
    latency_ms: n(row.latency_ms),
    ttft_ms: n(row.ttft_ms),
    failed,
    fail: { status_code: status, body: s(row.fail_body) || s(row.fail_summary) },
    reasoning_effort: s(row.reasoning_effort),
    service_tier: s(row.request_service_tier) || s(row.service_tier),
    response_service_tier: s(row.response_service_tier),
    tokens: {
      input_tokens: n(row.input_tokens),
      output_tokens: n(row.output_tokens),
      reasoning_tokens: n(row.reasoning_tokens),
      cached_tokens: n(row.cached_tokens) || n(row.cache_tokens),
      cache_read_tokens: n(row.cache_read_tokens),
      cache_creation_tokens: n(row.cache_creation_tokens),
      total_tokens: n(row.total_tokens),
    },
  };
}

/** Normalises a Plus row and keeps what the source already decided: its hash (idempotent re-import) and key hash. */
export function normalizePlusRow(
  row: Record<string, unknown>,
  normalize: NormalizeFn,
): { ok: true; event: UsageEventInput } | { ok: false; reason: string } {
  const res = normalize(plusRowToRaw(row));
  if (!res.ok) return res;
  const event = { ...res.event };
  const hash = s(row.event_hash) || s(row.eventHash);
  if (hash) event.dedupKey = hash;
  const keyHash = s(row.api_key_hash);
  if (keyHash) Object.assign(event, normalizeKeyFields(keyHash, event.apiKeyLabel));
  return { ok: true, event };
}
