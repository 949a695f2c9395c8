/* eslint-disable @typescript-eslint/no-explicit-any -- raw records are untyped JSON */
// Fallback normaliser for the bench when @cpamp/collector cannot be loaded (same shape as the
// store tests' helper): CPA record → UsageEventInput with token_breakdown buckets.
import { createHash } from 'node:crypto';
import type { NormalizeFn, UsageEventInput } from '@cpamp/store';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export const benchNormalize: NormalizeFn = (raw) => {
  if (!raw || typeof raw !== 'object') return { ok: false, reason: 'not an object' };
  const r = raw as Record<string, any>;
  const ts = Date.parse(str(r.timestamp));
  if (!Number.isFinite(ts)) return { ok: false, reason: 'bad timestamp' };
  const tb = r.token_breakdown;
  const t = r.tokens ?? {};
  let input: number,
    cacheRead: number,
    cacheCreation: number,
    output: number,
    reasoning: number,
    unclassified = 0;
  let quality: UsageEventInput['tokenQuality'] = 'legacy';
  if (tb?.input) {
    input = num(tb.input.uncached_tokens);
    cacheRead = num(tb.input.cache_read_tokens);
    cacheCreation = num(tb.input.cache_write_tokens);
    output = num(tb.output.non_reasoning_tokens);
    reasoning = num(tb.output.reasoning_tokens);
    unclassified = num(tb.unclassified_tokens);
    quality = tb.quality;
  } else {
    cacheRead = num(t.cache_read_tokens) || num(t.cached_tokens);
    cacheCreation = num(t.cache_creation_tokens);
    reasoning = num(t.reasoning_tokens);
    input = Math.max(num(t.input_tokens) - cacheRead - cacheCreation, 0);
    output = Math.max(num(t.output_tokens) - reasoning, 0);
  }
  const apiKey = str(r.api_key);
  const failed = r.failed === true;
  const event: UsageEventInput = {
    dedupKey: sha(
      [
        r.request_id,
        r.timestamp,
        r.auth_index,
        r.model,
        failed,
        input,
        cacheRead,
        cacheCreation,
        output,
        reasoning,
        r.latency_ms,
      ].join('|'),
    ),
    requestId: str(r.request_id),
    timestampMs: ts,
    provider: str(r.provider),
    executorType: str(r.executor_type),
    model: str(r.model),
    alias: str(r.alias) || str(r.model),
    endpoint: str(r.endpoint),
    authType: str(r.auth_type),
    authIndex: str(r.auth_index),
    source: r.auth_type === 'apikey' ? 'sk-…' : str(r.source),
    apiKeyHash: apiKey ? sha(apiKey) : '',
    apiKeyLabel: apiKey ? `${apiKey.slice(0, 4)}…${apiKey.slice(-3)}` : '',
    clientIp: str(r.client_ip),
    userAgent: str(r.user_agent),
    failed,
    statusCode: num(r.fail?.status_code),
    failBody: str(r.fail?.body).slice(0, 2048),
    latencyMs: num(r.latency_ms),
    ttftMs: num(r.ttft_ms),
    reasoningEffort: str(r.reasoning_effort),
    serviceTier: str(r.service_tier),
    responseServiceTier: str(r.response_service_tier),
    generate: r.generate !== false,
    inputTokens: input,
    cacheReadTokens: cacheRead,
    cacheCreationTokens: cacheCreation,
    outputTokens: output,
    reasoningTokens: reasoning,
    unclassifiedTokens: unclassified,
    totalTokens: input + cacheRead + cacheCreation + output + reasoning + unclassified,
    tokenQuality: quality,
  };
  return { ok: true, event };
};
