import { describe, expect, it } from 'vitest';
import { classifyProbe, probeRequest, usageLimitReset, windowsFromHeaders } from './quota-parse';

const NOW = Date.UTC(2026, 10, 16, 10, 0);
const nowS = NOW / 1000;

describe('probeRequest', () => {
  it('sends the $TOKEN$ placeholder and the Chatgpt-Account-Id for Codex', () => {
    const r = probeRequest('codex', 'acc-1')!;
    expect(r.url).toBe('https://chatgpt.com/backend-api/wham/usage');
    expect(r.header.Authorization).toBe('Bearer $TOKEN$');
    expect(r.header['Chatgpt-Account-Id']).toBe('acc-1');
    expect(probeRequest('claude', null)!.header['anthropic-beta']).toBe('oauth-2025-04-20');
    expect(probeRequest('vertex', null)).toBeNull();
  });
});

describe('classifyProbe', () => {
  it('200 with windows is ok; a full window is exhausted until its reset', () => {
    const body = (p: number) =>
      JSON.stringify({
        plan_type: 'plus',
        rate_limit: {
          limit_reached: p >= 100,
          primary_window: { used_percent: p, limit_window_seconds: 18000, reset_at: nowS + 3600 },
          secondary_window: { used_percent: 12, limit_window_seconds: 604800, reset_after_seconds: 7200 },
        },
      });
    const ok = classifyProbe('codex', 200, body(40), NOW);
    expect(ok.result).toBe('ok');
    expect(ok.windows).toEqual([
      { window: '5h', usedPercent: 40, remainingPercent: 60, resetAtMs: NOW + 3_600_000, windowSeconds: 18000 },
      { window: 'weekly', usedPercent: 12, remainingPercent: 88, resetAtMs: NOW + 7_200_000, windowSeconds: 604800 },
    ]);
    const full = classifyProbe('codex', 200, body(100), NOW);
    expect(full).toMatchObject({ result: 'exhausted', resetAtMs: NOW + 3_600_000 });
  });
  it('429 usage_limit_reached is exhausted with resets_in_seconds', () => {
    const r = classifyProbe('codex', 429, JSON.stringify({ error: { type: 'usage_limit_reached', resets_in_seconds: 600 } }), NOW);
    expect(r).toMatchObject({ result: 'exhausted', resetAtMs: NOW + 600_000, httpStatus: 429 });
    expect(classifyProbe('codex', 429, '{"error":"slow down"}', NOW).result).toBe('error');
  });
  it('401 is unauthorized (expired when it says so), 403 banned, others error', () => {
    expect(classifyProbe('codex', 401, JSON.stringify({ error: { code: 'token_expired', message: 'expired' } }), NOW)).toMatchObject({ result: 'unauthorized', expired: true });
    expect(classifyProbe('codex', 401, '{"error":{"code":"token_revoked"}}', NOW)).toMatchObject({ result: 'unauthorized', expired: false });
    expect(classifyProbe('codex', 403, '{"error":{"code":"account_deactivated"}}', NOW).result).toBe('banned');
    expect(classifyProbe('codex', 500, 'oops', NOW)).toMatchObject({ result: 'error', detail: 'HTTP 500: oops' });
  });
  it('a full window answered 200 is exhausted with its reset, for Codex and Claude', () => {
    // What the usage endpoints answer for a used-up window (the fake CPA answers the same).
    const codex = classifyProbe(
      'codex',
      200,
      JSON.stringify({
        plan_type: 'plus',
        rate_limit: {
          allowed: false,
          limit_reached: true,
          primary_window: { used_percent: 100, limit_window_seconds: 18000, reset_after_seconds: 1800, reset_at: nowS + 1800 },
          secondary_window: { used_percent: 55, limit_window_seconds: 604800, reset_after_seconds: 86400, reset_at: nowS + 86400 },
        },
      }),
      NOW,
    );
    expect(codex).toMatchObject({ result: 'exhausted', httpStatus: 200, resetAtMs: NOW + 1_800_000, plan: 'plus' });
    expect(codex.detail).toBe('quota used up (5h) until 2026-11-16T10:30:00.000Z');
    const claude = classifyProbe(
      'claude',
      200,
      JSON.stringify({
        five_hour: { utilization: 100, resets_at: new Date(NOW + 2 * 3_600_000).toISOString() },
        seven_day: { utilization: 100, resets_at: new Date(NOW + 50 * 3_600_000).toISOString() },
        seven_day_opus: null,
      }),
      NOW,
    );
    // Both windows are full: quota is back only when the later one resets.
    expect(claude).toMatchObject({ result: 'exhausted', httpStatus: 200, resetAtMs: NOW + 50 * 3_600_000 });
    expect(claude.windows.map((w) => [w.window, w.usedPercent, w.remainingPercent])).toEqual([['5h', 100, 0], ['weekly', 100, 0]]);
    expect(classifyProbe('claude', 200, JSON.stringify({ five_hour: { utilization: 99.5, resets_at: null } }), NOW).result).toBe('ok');
  });
  it('Codex limit_reached just under 100 % binds the fullest window', () => {
    const r = classifyProbe(
      'codex',
      200,
      JSON.stringify({ rate_limit: { limit_reached: true, primary_window: { used_percent: 99.7, limit_window_seconds: 18000, reset_at: nowS + 600 }, secondary_window: { used_percent: 40, limit_window_seconds: 604800, reset_at: nowS + 9000 } } }),
      NOW,
    );
    expect(r).toMatchObject({ result: 'exhausted', resetAtMs: NOW + 600_000 });
  });
  it('reads Claude utilization', () => {
    const r = classifyProbe('claude', 200, JSON.stringify({ five_hour: { utilization: 30, resets_at: new Date(NOW + 60_000).toISOString() }, seven_day: null }), NOW);
    expect(r.windows).toEqual([{ window: '5h', usedPercent: 30, remainingPercent: 70, resetAtMs: NOW + 60_000, windowSeconds: 18000 }]);
  });
});

describe('response-header evidence', () => {
  it('reads x-codex-* and anthropic unified headers', () => {
    const w = windowsFromHeaders(
      {
        'x-codex-primary-used-percent': '42',
        'x-codex-primary-window-minutes': '300',
        'x-codex-primary-reset-after-seconds': '100',
        'X-Codex-Secondary-Used-Percent': '7',
        'x-codex-secondary-window-minutes': '10080',
        'anthropic-ratelimit-unified-5h-utilization': '0.25',
        'anthropic-ratelimit-unified-5h-reset': String(nowS + 50),
      },
      NOW,
    );
    expect(w).toEqual([
      { window: '5h', usedPercent: 42, remainingPercent: 58, resetAtMs: NOW + 100_000, windowSeconds: 18000 },
      { window: 'weekly', usedPercent: 7, remainingPercent: 93, resetAtMs: null, windowSeconds: 604800 },
      { window: '5h', usedPercent: 25, remainingPercent: 75, resetAtMs: NOW + 50_000, windowSeconds: 18000 },
    ]);
  });
  it('finds usage_limit_reached in a failure body', () => {
    expect(usageLimitReset('{"error":{"type":"usage_limit_reached","resets_at":' + (nowS + 10) + '}}', NOW)).toEqual({ resetAtMs: NOW + 10_000 });
    expect(usageLimitReset('{"error":"other"}', NOW)).toBeNull();
  });
});
