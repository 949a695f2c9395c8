import { describe, expect, it } from 'vitest';
import { evaluate, parseRuleParams } from '../alerts/rule-kinds';

const key = 'cd'.repeat(32);
const base = { subject: key, keyName: 'alice', limitMicros: 10_000_000, periodEndMs: Date.UTC(2026, 11, 14) };

describe('budget alert kinds', () => {
  it('"budget will be exceeded" fires while the forecast passes the budget and the budget is not yet reached', () => {
    const s = { kind: 'budget-forecast', ...base, spentMicros: 4_000_000, forecastMicros: 12_000_000 } as const;
    expect(evaluate({}, s, 0)).toEqual({
      verdict: 'fire',
      message: 'Budget will be exceeded: API key alice spent $4.00 of $10.00; at this rate $12.00 by 2026-12-14T00:00:00Z.',
    });
    expect(evaluate({}, { ...s, forecastMicros: 9_000_000 }, 0).verdict).toBe('clear');
    expect(evaluate({}, { ...s, spentMicros: 10_000_000 }, 0).verdict).toBe('clear');
    expect(evaluate({ apiKeyHash: 'ef'.repeat(32) }, s, 0).verdict).toBe('skip');
    expect(evaluate({ apiKeyHash: key }, s, 0).verdict).toBe('fire');
  });

  it('"budget exceeded" fires at the budget and clears below it (a new period)', () => {
    const s = { kind: 'budget-exceeded', ...base, spentMicros: 10_000_000 } as const;
    expect(evaluate({}, s, 0).verdict).toBe('fire');
    expect(evaluate({}, { ...s, spentMicros: 0 }, 0).verdict).toBe('clear');
    expect(parseRuleParams('budget-exceeded', { apiKeyHash: key.toUpperCase(), other: 1 })).toEqual({ ok: true, params: { apiKeyHash: key } });
    expect(parseRuleParams('budget-forecast', { apiKeyHash: 'sk-plain' }).ok).toBe(false);
  });
});
