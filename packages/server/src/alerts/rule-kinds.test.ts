import { describe, expect, it } from 'vitest';
import { evaluate, parseRuleParams, scopeSubject } from './rule-kinds';

const H = 3_600_000;
const key = 'ab'.repeat(32);

describe('rule kinds', () => {
  it('fills defaults, drops unknown keys and names the bad field', () => {
    expect(parseRuleParams('quota-low', {})).toEqual({ ok: true, params: { remainingPercentBelow: 10 } });
    expect(parseRuleParams('spend-threshold', { thresholdMicros: 1, extra: 1 })).toEqual({ ok: true, params: { thresholdMicros: 1, periodHours: 24 } });
    const bad = parseRuleParams('quota-low', { remainingPercentBelow: 150 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^body\.params\.remainingPercentBelow: /);
    expect(parseRuleParams('spend-threshold', { thresholdMicros: 1, apiKeyHash: key.toUpperCase() })).toMatchObject({ params: { apiKeyHash: key } });
  });

  it('judges each kind: fire, clear or skip', () => {
    const q = { kind: 'quota-low', subject: 'a', provider: 'codex', window: '5h', remainingPercent: 9, resetAtMs: null } as const;
    expect(evaluate({ remainingPercentBelow: 10 }, q, 0).verdict).toBe('fire');
    expect(evaluate({ remainingPercentBelow: 5 }, q, 0).verdict).toBe('clear');
    expect(evaluate({ remainingPercentBelow: 10, provider: 'claude' }, q, 0).verdict).toBe('skip');
    expect(evaluate({ remainingPercentBelow: 10, window: 'weekly' }, q, 0).verdict).toBe('skip');
    expect(evaluate({ remainingPercentBelow: 10, authIndex: q.subject }, q, 0).verdict).toBe('fire');
    expect(evaluate({ remainingPercentBelow: 10, authIndex: 'someone-else' }, q, 0).verdict).toBe('skip');

    const f = { kind: 'pool-exhaustion-forecast', subject: 'pool:codex', provider: 'codex', plan: null, exhaustAtMs: 5 * H, nextResetAtMs: 6 * H } as const;
    expect(evaluate({ withinHours: 6 }, f, 0).verdict).toBe('fire');
    expect(evaluate({ withinHours: 4 }, f, 0).verdict).toBe('clear');
    expect(evaluate({ withinHours: 6 }, { ...f, nextResetAtMs: 4 * H }, 0).verdict).toBe('clear');
    expect(evaluate({ withinHours: 6 }, { ...f, exhaustAtMs: null }, 0).verdict).toBe('clear');

    const e = { kind: 'error-rate-spike', subject: 'total', errorRate: 0.3, requests: 50, windowMs: 15 * 60_000 } as const;
    expect(evaluate({ errorRateAbove: 0.2, minRequests: 20, windowMinutes: 15 }, e, 0).verdict).toBe('fire');
    expect(evaluate({ errorRateAbove: 0.2, minRequests: 100, windowMinutes: 15 }, e, 0).verdict).toBe('clear');
    expect(evaluate({ errorRateAbove: 0.2, minRequests: 20, windowMinutes: 5 }, e, 0).verdict).toBe('skip');
    expect(evaluate({ errorRateAbove: 0.2, apiKeyHash: key, windowMinutes: 15 }, e, 0).verdict).toBe('skip');

    const s = { kind: 'spend-threshold', subject: key, spentMicros: 2_000_000, thresholdMicros: 0, periodMs: 24 * H } as const;
    expect(evaluate({ thresholdMicros: 1_000_000, periodHours: 24, apiKeyHash: key }, s, 0)).toMatchObject({ verdict: 'fire', message: expect.stringContaining('$2.00') });
    expect(evaluate({ thresholdMicros: 3_000_000, periodHours: 24, apiKeyHash: key }, s, 0).verdict).toBe('clear');
    expect(evaluate({ thresholdMicros: 1, periodHours: 24 }, s, 0).verdict).toBe('skip');

    const st = { kind: 'collector-stalled', subject: 'collector', reason: 'backoff', sinceMs: 0 } as const;
    expect(evaluate({ afterMinutes: 5 }, st, 4 * 60_000).verdict).toBe('skip');
    expect(evaluate({ afterMinutes: 5 }, st, 5 * 60_000).verdict).toBe('fire');
    const g = { kind: 'collector-gap', subject: 'collector', fromMs: 0, toMs: 60_000, reason: 'reconnect' } as const;
    expect(evaluate({ lossLikelyOnly: true }, g, 0).verdict).toBe('skip');
    expect(evaluate({ minMinutes: 2 }, g, 0).verdict).toBe('skip');
    expect(evaluate({}, { ...g, lossLikely: true }, 0).verdict).toBe('fire');
    expect(evaluate({ issue: 'banned' }, { kind: 'account-auth-issue', subject: 'a', provider: 'p', issue: 'expired', detail: '' }, 0).verdict).toBe('skip');
  });

  it('scopes measured rules to a key, a provider, both, or all traffic', () => {
    expect(scopeSubject({})).toBe('total');
    expect(scopeSubject({ provider: 'codex' })).toBe('provider:codex');
    expect(scopeSubject({ apiKeyHash: key })).toBe(key);
    expect(scopeSubject({ apiKeyHash: key, provider: 'codex' })).toBe(`${key}@provider:codex`);
  });
});
