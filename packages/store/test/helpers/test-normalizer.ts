// A small normaliser for the store's tests, shaped like the collector's normalizeRecord (the store
// may not import the collector; the server injects the real one).
import { createHash } from 'node:crypto';
import type { NormalizeFn, UsageEventInput } from '../../src/index';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export const testNormalize: NormalizeFn = (raw) => {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const r = raw as Record<string, unknown>;
  const tsRaw = r.timestamp;
  const ts = typeof tsRaw === 'number' ? (tsRaw < 1e10 ? tsRaw * 1000 : tsRaw) : Date.parse(str(tsRaw));
  if (!Number.isFinite(ts)) return { ok: false, reason: 'bad timestamp' };
  const model = str(r.model);
  if (!model) return { ok: false, reason: 'missing model' };
  const provider = str(r.provider);
  const tb = r.token_breakdown as Record<string, Record<string, number> | number | string> | undefined;
  const t = (r.tokens ?? {}) as Record<string, unknown>;
  let input = 0,
    cacheRead = 0,
    cacheCreation = 0,
    output = 0,
    reasoning = 0,
    unclassified = 0;
  let quality: UsageEventInput['tokenQuality'] = 'legacy';
  if (tb && typeof tb === 'object' && tb.input && typeof tb.input === 'object') {
    const i = tb.input as Record<string, number>;
    const o = tb.output as Record<string, number>;
    input = num(i.uncached_tokens);
    cacheRead = num(i.cache_read_tokens);
    cacheCreation = num(i.cache_write_tokens);
    output = num(o.non_reasoning_tokens);
    reasoning = num(o.reasoning_tokens);
    unclassified = num(tb.unclassified_tokens);
    quality = (tb.quality as UsageEventInput['tokenQuality']) ?? 'complete';
  } else {
    const inT = num(t.input_tokens);
    const outT = num(t.output_tokens);
    reasoning = num(t.reasoning_tokens);
    cacheRead = num(t.cache_read_tokens) || num(t.cached_tokens);
    cacheCreation = num(t.cache_creation_tokens);
    if (provider === 'claude') {
      input = inT;
      output = Math.max(outT - reasoning, 0);
    } else if (provider === 'gemini') {
      input = Math.max(inT - cacheRead - cacheCreation, 0);
      output = outT;
    } else {
      input = Math.max(inT - cacheRead - cacheCreation, 0);
      output = Math.max(outT - reasoning, 0);
    }
  }
  const fail = (r.fail ?? {}) as Record<string, unknown>;
  const failed = r.failed === true;
  const apiKey = str(r.api_key);
  const requestId = str(r.request_id);
  const authIndex = str(r.auth_index);
  const latency = num(r.latency_ms);
  const event: UsageEventInput = {
    dedupKey: sha(
      [
        requestId,
        ts,
        authIndex,
        model,
        failed,
        input,
        cacheRead,
        cacheCreation,
        output,
        reasoning,
        latency,
        apiKey,
      ].join('|'),
    ),
    requestId,
    timestampMs: ts,
    provider,
    executorType: str(r.executor_type),
    model,
    alias: str(r.alias) || model,
    endpoint: str(r.endpoint),
    authType: str(r.auth_type),
    authIndex,
    source: str(r.source),
    apiKeyHash: apiKey ? sha(apiKey) : '',
    apiKeyLabel: apiKey ? `${apiKey.slice(0, 4)}…${apiKey.slice(-3)}` : '',
    clientIp: str(r.client_ip),
    userAgent: str(r.user_agent),
    failed,
    statusCode: num(fail.status_code) || (failed ? 500 : 200),
    failBody: str(fail.body).slice(0, 2048),
    latencyMs: latency,
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
