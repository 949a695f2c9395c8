import { describe, expect, it } from 'vitest';
import { controlPayloadKind, normalizeRecord } from './normalize';
import type { UsageEvent } from './usage-event';

const codex = {
  timestamp: '2026-08-22T14:03:11.482913Z',
  latency_ms: 8412,
  ttft_ms: 1320,
  source: 'alice@example.com',
  auth_index: '3f9a1c0e7b2d4a51',
  client_ip: '10.0.0.7',
  user_agent: 'codex_cli_rs/0.50.0',
  tokens: {
    input_tokens: 12000,
    output_tokens: 900,
    reasoning_tokens: 300,
    cached_tokens: 8000,
    cache_read_tokens: 8000,
    cache_read_tokens_present: true,
    cache_creation_tokens: 0,
    total_tokens: 12900,
  },
  failed: false,
  generate: true,
  fail: { status_code: 200, body: '' },
  accounting_version: 2,
  token_breakdown: {
    schema_version: 2,
    quality: 'complete',
    total_tokens: 12900,
    input: { total_tokens: 12000, uncached_tokens: 4000, cache_read_tokens: 8000, cache_write_tokens: 0 },
    output: { total_tokens: 900, non_reasoning_tokens: 600, reasoning_tokens: 300 },
    unclassified_tokens: 0,
  },
  provider: 'codex',
  executor_type: 'CodexAutoExecutor',
  model: 'gpt-5-codex',
  alias: 'gpt-5-codex',
  endpoint: 'POST /v1/responses',
  auth_type: 'oauth',
  api_key: 'sk-team-a-123',
  request_id: 'a1b2c3d4',
  reasoning_effort: 'medium',
  service_tier: 'auto',
  response_service_tier: 'default',
};

function ok(raw: unknown): UsageEvent {
  const r = normalizeRecord(raw);
  if (!r.ok) throw new Error(`expected ok, got: ${r.reason}`);
  return r.event;
}

const sumBuckets = (e: UsageEvent) =>
  e.inputTokens +
  e.cacheReadTokens +
  e.cacheCreationTokens +
  e.outputTokens +
  e.reasoningTokens +
  e.unclassifiedTokens;

describe('normalizeRecord', () => {
  it('maps a v7.2.140 codex record through token_breakdown', () => {
    const e = ok(codex);
    expect(e).toMatchObject({
      requestId: 'a1b2c3d4',
      timestampMs: Date.UTC(2026, 7, 22, 14, 3, 11, 482),
      provider: 'codex',
      executorType: 'CodexAutoExecutor',
      model: 'gpt-5-codex',
      endpoint: 'POST /v1/responses',
      authType: 'oauth',
      authIndex: '3f9a1c0e7b2d4a51',
      source: 'alice@example.com',
      apiKeyLabel: '…-123',
      failed: false,
      statusCode: 200,
      failBody: '',
      inputTokens: 4000,
      cacheReadTokens: 8000,
      cacheCreationTokens: 0,
      outputTokens: 600,
      reasoningTokens: 300,
      unclassifiedTokens: 0,
      totalTokens: 12900,
      tokenQuality: 'complete',
      generate: true,
    });
    expect(e.apiKeyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.dedupKey).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(e)).not.toContain('sk-team-a-123');
  });

  it('accepts the record as a JSON string, double-encoded string and bytes', () => {
    const a = ok(codex);
    expect(ok(JSON.stringify(codex)).dedupKey).toBe(a.dedupKey);
    expect(ok(JSON.stringify(JSON.stringify(codex))).dedupKey).toBe(a.dedupKey);
    expect(ok(Buffer.from(JSON.stringify(codex))).dedupKey).toBe(a.dedupKey);
  });

  it('normalises timestamps with any offset and nanoseconds to UTC ms', () => {
    const base = { model: 'm', tokens: {} };
    expect(ok({ ...base, timestamp: '2026-08-22T22:03:11.482913123+08:00' }).timestampMs).toBe(
      Date.UTC(2026, 7, 22, 14, 3, 11, 482),
    );
    expect(ok({ ...base, timestamp: '2026-08-22T09:33:11-04:30' }).timestampMs).toBe(
      Date.UTC(2026, 7, 22, 14, 3, 11),
    );
    expect(ok({ ...base, timestamp: '2026-08-22 14:03:11' }).timestampMs).toBe(
      Date.UTC(2026, 7, 22, 14, 3, 11),
    );
    expect(ok({ ...base, timestamp: 1787407391 }).timestampMs).toBe(1787407391000);
    expect(ok({ ...base, timestamp: 1787407391123 }).timestampMs).toBe(1787407391123);
    expect(ok({ ...base, created_at: '1787407391123' }).timestampMs).toBe(1787407391123);
    expect(normalizeRecord({ ...base, timestamp: '2026-02-31T00:00:00Z' }).ok).toBe(false);
    expect(normalizeRecord({ ...base }).ok).toBe(false);
  });

  it('keeps ns-apart attempts distinct', () => {
    const a = ok({ ...codex, timestamp: '2026-08-22T14:03:11.482913001Z' });
    const b = ok({ ...codex, timestamp: '2026-08-22T14:03:11.482913002Z' });
    expect(a.timestampMs).toBe(b.timestampMs);
    expect(a.dedupKey).not.toBe(b.dedupKey);
  });

  describe('legacy flat tokens per provider (mutually exclusive buckets)', () => {
    const legacy = (provider: string, tokens: Record<string, number>, extra: Record<string, unknown> = {}) =>
      ok({ timestamp: '2026-05-05T10:00:00Z', provider, model: 'x', tokens, ...extra });

    it('claude: input excludes cache, output includes thinking', () => {
      const e = legacy('claude', {
        input_tokens: 350,
        output_tokens: 1200,
        reasoning_tokens: 400,
        cached_tokens: 20000,
        cache_read_tokens: 20000,
        cache_creation_tokens: 1500,
        total_tokens: 23050,
      });
      expect(e).toMatchObject({
        inputTokens: 350,
        cacheReadTokens: 20000,
        cacheCreationTokens: 1500,
        outputTokens: 800,
        reasoningTokens: 400,
        unclassifiedTokens: 0,
        totalTokens: 23050,
        tokenQuality: 'legacy',
      });
    });
    it('claude (pre-v7.0.3): cached_tokens only', () => {
      const e = legacy('claude', {
        input_tokens: 10,
        output_tokens: 5,
        cached_tokens: 100,
        total_tokens: 115,
      });
      expect(e).toMatchObject({ inputTokens: 10, cacheReadTokens: 100, outputTokens: 5, totalTokens: 115 });
    });
    it('codex/openai: input includes cached, output includes reasoning', () => {
      for (const p of ['codex', 'openai', 'xai', 'kimi', 'my-openai-compat']) {
        const e = legacy(p, {
          input_tokens: 12000,
          output_tokens: 900,
          reasoning_tokens: 300,
          cached_tokens: 8000,
          total_tokens: 12900,
        });
        expect(e).toMatchObject({
          inputTokens: 4000,
          cacheReadTokens: 8000,
          outputTokens: 600,
          reasoningTokens: 300,
          totalTokens: 12900,
        });
      }
    });
    it('gemini: input includes cached, output excludes reasoning', () => {
      const e = legacy('gemini', {
        input_tokens: 1000,
        output_tokens: 200,
        reasoning_tokens: 50,
        cached_tokens: 400,
        total_tokens: 1250,
      });
      expect(e).toMatchObject({
        inputTokens: 600,
        cacheReadTokens: 400,
        outputTokens: 200,
        reasoningTokens: 50,
        totalTokens: 1250,
      });
    });
    it('keeps an unexplained reported total as unclassified', () => {
      const e = legacy('gemini', { input_tokens: 10, output_tokens: 10, total_tokens: 25 });
      expect(e.unclassifiedTokens).toBe(5);
      expect(e.totalTokens).toBe(25);
    });
    it('v6.9 shape with prompt/completion aliases and top-level tokens', () => {
      const e = ok({
        time: '2026-04-26T01:02:03+02:00',
        model_name: 'gpt-4o',
        prompt_tokens: 10,
        completion_tokens: 3,
      });
      expect(e).toMatchObject({
        inputTokens: 10,
        outputTokens: 3,
        totalTokens: 13,
        provider: 'unknown',
        model: 'gpt-4o',
        alias: 'gpt-4o',
      });
    });
  });

  it('handles inconsistent / unclassified breakdowns', () => {
    const e = ok({
      ...codex,
      token_breakdown: {
        schema_version: 2,
        quality: 'inconsistent',
        total_tokens: 77,
        input: { total_tokens: 0 },
        output: { total_tokens: 0 },
        unclassified_tokens: 77,
      },
    });
    expect(e).toMatchObject({
      unclassifiedTokens: 77,
      totalTokens: 77,
      tokenQuality: 'inconsistent',
      inputTokens: 0,
    });
  });

  it('token sums always equal totalTokens', () => {
    for (const p of ['claude', 'codex', 'gemini', 'whatever']) {
      const e = ok({
        timestamp: '2026-05-05T10:00:00Z',
        provider: p,
        tokens: {
          input_tokens: 5,
          output_tokens: 7,
          reasoning_tokens: 9,
          cached_tokens: 11,
          cache_creation_tokens: 2,
          total_tokens: 3,
        },
      });
      expect(sumBuckets(e)).toBe(e.totalTokens);
      expect(Object.values(e).every((v) => typeof v !== 'number' || v >= 0)).toBe(true);
    }
  });

  it('masks an upstream API key held in source, redacts and caps the fail body', () => {
    const e = ok({
      ...codex,
      auth_type: 'apikey',
      source: 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
      failed: true,
      fail: {
        status_code: 401,
        body: `{"error":"bad token Bearer abcdefghijklmnop1234 for sk-proj-zzzzzzzzzzzzzzzz eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}${'x'.repeat(5000)}`,
      },
    });
    expect(e.source).toBe('…wxyz');
    expect(e.statusCode).toBe(401);
    expect(e.failed).toBe(true);
    expect(e.failBody).not.toMatch(/abcdefghijklmnop1234|zzzzzzzzzzzz|eyJzdWIi/);
    expect(Buffer.byteLength(e.failBody)).toBeLessThanOrEqual(2048);
  });

  it('keeps rate-limit response headers as evidence', () => {
    const e = ok({
      ...codex,
      response_headers: {
        'X-Codex-Primary-Used-Percent': ['87'],
        'Retry-After': ['30'],
        'Set-Cookie': ['secret'],
      },
    });
    expect(e.rateLimitHeaders).toEqual({ 'x-codex-primary-used-percent': '87', 'retry-after': '30' });
    expect(ok(codex).rateLimitHeaders).toBeUndefined();
  });

  it('caps long strings', () => {
    const e = ok({ ...codex, user_agent: 'ü'.repeat(10_000), model: 'm'.repeat(10_000) });
    expect(Buffer.byteLength(e.userAgent)).toBeLessThanOrEqual(512);
    expect(Buffer.byteLength(e.model)).toBeLessThanOrEqual(256);
  });

  it('derives failed from older shapes', () => {
    expect(ok({ timestamp: '2026-05-05T10:00:00Z', status_code: 502 }).failed).toBe(true);
    expect(ok({ timestamp: '2026-05-05T10:00:00Z', success: true }).failed).toBe(false);
    expect(ok({ timestamp: '2026-05-05T10:00:00Z', failed: 'true' }).failed).toBe(true);
    const old = ok({ timestamp: '2026-05-05T10:00:00Z', failed: true });
    expect(old.statusCode).toBe(0);
  });

  it('recognises control payloads', () => {
    expect(controlPayloadKind({ refresh: true })).toBe('refresh');
    expect(controlPayloadKind('{"support_refresh":true}')).toBe('support_refresh');
    expect(controlPayloadKind(codex)).toBeNull();
    expect(normalizeRecord({ refresh: true })).toEqual({
      ok: false,
      reason: 'control payload, not a usage record',
    });
  });
});

describe('dedupKey (exactly-once identity)', () => {
  it('an exact redelivery collides (object vs string, key order)', () => {
    const reordered = Object.fromEntries(Object.entries(codex).reverse());
    expect(ok(reordered).dedupKey).toBe(ok(JSON.stringify(codex)).dedupKey);
  });

  it('retries sharing a request_id get distinct keys', () => {
    const first = ok({
      ...codex,
      auth_index: '1111111111111111',
      failed: true,
      fail: { status_code: 429, body: 'limit' },
      latency_ms: 640,
    });
    const second = ok({
      ...codex,
      auth_index: '2222222222222222',
      failed: true,
      fail: { status_code: 429, body: 'limit' },
      latency_ms: 640,
    });
    const third = ok({ ...codex });
    const sameAccountRetry = ok({ ...codex, latency_ms: codex.latency_ms + 1 });
    const keys = new Set([first, second, third, sameAccountRetry].map((e) => e.dedupKey));
    expect(keys.size).toBe(4);
  });

  it('different requests whose 8-hex ids collide get distinct keys', () => {
    const a = ok({ ...codex, request_id: 'deadbeef', timestamp: '2026-08-22T14:03:11Z' });
    const b = ok({
      ...codex,
      request_id: 'deadbeef',
      timestamp: '2026-08-23T09:00:00Z',
      auth_index: 'ffffffffffffffff',
    });
    expect(a.dedupKey).not.toBe(b.dedupKey);
  });
});
