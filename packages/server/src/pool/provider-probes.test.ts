import { describe, expect, it } from 'vitest';
import { applyThreshold } from './probe-runner';
import {
  classifyXaiFailure,
  parseAntigravityQuota,
  parseKimiUsage,
  parseXaiBilling,
  xaiInferenceHealthy,
  XAI_FREE_USAGE_COOLDOWN_MS,
} from './provider-probes';
import { classifyProbe, probeRequest, windowName } from './quota-parse';

const NOW = Date.UTC(2026, 11, 7, 10, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;

describe('provider probes', () => {
  it('builds the requests Plus sends through api-call', () => {
    expect(probeRequest('antigravity', null)).toMatchObject({
      method: 'POST',
      url: 'https://cloudcode-pa.googleapis.com/v1internal:retrieveUserQuotaSummary',
      data: '{"project":"bamboo-precept-lgxtn"}',
    });
    expect(probeRequest('antigravity', null, { projectId: 'p-1' })?.data).toBe('{"project":"p-1"}');
    expect(probeRequest('kimi', null)).toEqual({
      method: 'GET',
      url: 'https://api.kimi.com/coding/v1/usages',
      header: { Authorization: 'Bearer $TOKEN$' },
    });
    expect(probeRequest('xai', null, { userId: 'u-9' })).toMatchObject({
      url: 'https://cli-chat-proxy.grok.com/v1/billing?format=credits',
      header: { 'x-xai-token-auth': 'xai-grok-cli', 'x-userid': 'u-9' },
    });
    expect(probeRequest('gemini-cli', null)).toBeNull();
  });

  it('reads Antigravity buckets (remainingFraction) and falls back to models', () => {
    const body = {
      groups: [
        {
          displayName: 'Claude',
          buckets: [
            { bucketId: 'c', displayName: 'Claude 5h', remainingFraction: 0.25, resetTime: iso(NOW + H) },
          ],
        },
      ],
    };
    expect(parseAntigravityQuota(body)).toEqual([
      { window: 'claude-5h', usedPercent: 75, remainingPercent: 25, resetAtMs: NOW + H, windowSeconds: null },
    ]);
    expect(
      parseAntigravityQuota({
        models: { 'gemini-3-pro-high': { quotaInfo: { remainingFraction: '1', resetTime: iso(NOW) } } },
      })[0],
    ).toMatchObject({ window: 'gemini-3-pro-high', usedPercent: 0 });
  });

  it('reads Kimi usage and its per-window limits', () => {
    const body = {
      usage: { limit: '100', used: '40', resetTime: iso(NOW + 50 * H) },
      limits: [
        {
          window: { duration: 300, timeUnit: 'TIME_UNIT_MINUTE' },
          detail: { limit: 20, remaining: 5, resetIn: 3600 },
        },
      ],
    };
    expect(parseKimiUsage(body, NOW, windowName)).toEqual([
      {
        window: 'weekly',
        usedPercent: 40,
        remainingPercent: 60,
        resetAtMs: NOW + 50 * H,
        windowSeconds: null,
      },
      { window: '5h', usedPercent: 75, remainingPercent: 25, resetAtMs: NOW + H, windowSeconds: 18_000 },
    ]);
  });

  it('reads xAI billing: weekly credit usage, the monthly limit in cents ({val}) and products', () => {
    const body = {
      config: {
        credit_usage_percent: 30,
        current_period: { type: 'weekly', start: iso(NOW - H), end: iso(NOW + 100 * H) },
        monthly_limit: { val: 2000 },
        usage: { included_used: { val: 500 } },
        billing_period_end: iso(NOW + 300 * H),
        product_usage: [{ product: 'Grok Code', usage_percent: 12 }],
      },
    };
    expect(parseXaiBilling(body)).toEqual([
      {
        window: 'weekly',
        usedPercent: 30,
        remainingPercent: 70,
        resetAtMs: NOW + 100 * H,
        windowSeconds: 604_800,
      },
      {
        window: 'monthly',
        usedPercent: 25,
        remainingPercent: 75,
        resetAtMs: NOW + 300 * H,
        windowSeconds: null,
      },
      {
        window: 'weekly-grok-code',
        usedPercent: 12,
        remainingPercent: 88,
        resetAtMs: NOW + 100 * H,
        windowSeconds: 604_800,
      },
    ]);
  });

  it('classifies xAI failures: free usage (24 h cooldown), permission_denied, spending limit, bad credentials', () => {
    const free = classifyProbe(
      'xai',
      429,
      '{"code":"subscription:free-usage-exhausted","error":"You have used all of your included free usage"}',
      NOW,
    );
    expect(free).toMatchObject({ result: 'exhausted', resetAtMs: NOW + XAI_FREE_USAGE_COOLDOWN_MS });
    expect(
      classifyProbe('xai', 403, '{"code":"permission_denied","error":"not permitted"}', NOW),
    ).toMatchObject({ result: 'unauthorized', detail: expect.stringContaining('permission_denied') });
    expect(classifyXaiFailure(402, 'personal-team-blocked:spending-limit')).toBe('spending_limit');
    expect(classifyProbe('xai', 401, '{"code":"unauthenticated:bad-credentials"}', NOW).result).toBe(
      'unauthorized',
    );
    expect(classifyProbe('xai', 429, 'slow down', NOW).result).toBe('error');
  });

  it('classifies a 402 deactivated workspace as banned on any provider', () => {
    const body = '{"detail":{"code":"deactivated_workspace"}}';
    expect(classifyProbe('codex', 402, body, NOW)).toMatchObject({
      result: 'banned',
      detail: expect.stringContaining('workspace deactivated'),
    });
    expect(classifyProbe('kimi', 402, '{"error":{"code":"workspace_deactivated"}}', NOW).result).toBe(
      'banned',
    );
  });

  it('reads an xAI inference answer as healthy only when completed with output text', () => {
    expect(
      xaiInferenceHealthy(
        '{"status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"OK"}]}]}',
      ),
    ).toBe(true);
    expect(xaiInferenceHealthy('{"status":"in_progress","output":[]}')).toBe(false);
    expect(xaiInferenceHealthy('nope')).toBe(false);
  });

  it('counts a window at or above the used-% threshold as exhausted', () => {
    const ok = classifyProbe(
      'kimi',
      200,
      JSON.stringify({ usage: { limit: 100, used: 92, resetTime: iso(NOW + H) } }),
      NOW,
    );
    expect(ok.result).toBe('ok');
    expect(applyThreshold(ok, 90)).toMatchObject({ result: 'exhausted', resetAtMs: NOW + H });
    expect(applyThreshold(ok, 100).result).toBe('ok');
  });
});
