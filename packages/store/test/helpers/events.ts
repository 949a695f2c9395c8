import { createHash } from 'node:crypto';
import type { UsageEventInput } from '../../src/index';

/** SHA-256 hex, the form the store keeps a client key in (apiKeyHash). */
export const hash = (s: string): string => createHash('sha256').update(s).digest('hex');

let counter = 0;

/** A complete UsageEventInput with overridable fields; deterministic dedup keys per call order. */
export function makeEvent(over: Partial<UsageEventInput> = {}): UsageEventInput {
  counter++;
  const base: UsageEventInput = {
    dedupKey: hash(`event-${counter}-${JSON.stringify(over)}`),
    requestId: (0x10000000 + counter).toString(16),
    timestampMs: Date.UTC(2026, 7, 22, 14, 0, 0),
    provider: 'codex',
    executorType: 'CodexExecutor',
    model: 'gpt-5',
    alias: 'gpt-5',
    endpoint: 'POST /v1/responses',
    authType: 'oauth',
    authIndex: '3f9a1c0e7b2d4a51',
    source: 'alice@example.com',
    apiKeyHash: hash('sk-team-a'),
    apiKeyLabel: '…m-a',
    clientIp: '10.0.0.7',
    userAgent: 'codex_cli_rs/0.50.0',
    failed: false,
    statusCode: 200,
    failBody: '',
    latencyMs: 1000,
    ttftMs: 200,
    reasoningEffort: 'medium',
    serviceTier: 'auto',
    responseServiceTier: 'default',
    generate: true,
    inputTokens: 1000,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    outputTokens: 100,
    reasoningTokens: 0,
    unclassifiedTokens: 0,
    totalTokens: 1100,
    tokenQuality: 'complete',
  };
  const e = { ...base, ...over };
  e.totalTokens =
    e.inputTokens +
    e.cacheReadTokens +
    e.cacheCreationTokens +
    e.outputTokens +
    e.reasoningTokens +
    e.unclassifiedTokens;
  return e;
}

/** A failed event that sets the fields makeEvent leaves at their defaults: a read must give back each one. */
export const everyFieldEvent = (): UsageEventInput =>
  makeEvent({
    requestId: 'not-hex-id',
    failed: true,
    statusCode: 503,
    failBody: '{"error":"overloaded"}',
    rateLimitHeaders: { 'x-codex-primary-used-percent': '87' },
    tokenQuality: 'inconsistent',
    inputTokens: 0,
    outputTokens: 0,
    unclassifiedTokens: 777,
    generate: false,
  });
