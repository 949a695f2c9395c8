// Alert rules with several CPAs: a CPA-scoped kind names the CPA in its message and an `upstream` param
// limits a rule to one CPA; rules without it (every rule saved before several CPAs) keep working.
import { describe, expect, it } from 'vitest';
import { evaluate, parseRuleParams, upstreamOfSubject } from './rule-kinds';

const quota = (subject: string) => ({
  kind: 'quota-low' as const,
  subject,
  provider: 'codex',
  window: '5h',
  remainingPercent: 5,
  resetAtMs: null,
});

describe('alert rules per CPA', () => {
  it('reads the CPA from the subject', () => {
    expect(
      ['a1', 'east~a1', 'east~pool:codex:plus', 'pool:codex', 'collector', 'collector:west'].map(
        upstreamOfSubject,
      ),
    ).toEqual(['default', 'east', 'east', 'default', 'default', 'west']);
  });

  it('names another CPA in the message; a rule naming a CPA skips the others', () => {
    const any = parseRuleParams('quota-low', {});
    const east = parseRuleParams('quota-low', { upstream: 'east' });
    if (!any.ok || !east.ok) throw new Error('params');
    expect(evaluate(any.params, quota('a1'), 0)).toMatchObject({
      verdict: 'fire',
      message: expect.stringMatching(/^Quota low: account a1 /),
    });
    expect(evaluate(any.params, quota('east~a1'), 0)).toMatchObject({
      verdict: 'fire',
      message: expect.stringMatching(/^\[CPA east\] Quota low/),
    });
    expect(evaluate(east.params, quota('a1'), 0).verdict).toBe('skip');
    expect(evaluate(east.params, quota('east~a1'), 0).verdict).toBe('fire');
    const gap = parseRuleParams('collector-gap', { upstream: 'west' });
    if (!gap.ok) throw new Error('params');
    const signal = { kind: 'collector-gap' as const, fromMs: 0, toMs: 60_000, reason: 'restart' };
    expect(evaluate(gap.params, { ...signal, subject: 'collector' }, 0).verdict).toBe('skip');
    expect(evaluate(gap.params, { ...signal, subject: 'collector:west' }, 0)).toMatchObject({
      verdict: 'fire',
      message: expect.stringMatching(/^\[CPA west\] Collector coverage gap/),
    });
  });
});
