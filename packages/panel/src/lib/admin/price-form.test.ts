import { describe, expect, it } from 'vitest';
import { formatRate, fromDraft, toDraft } from './price-form';

describe('price form', () => {
  it('round-trips a price through the text draft; empty fields become null', () => {
    const d = toDraft({ input: 3, output: 15, cacheRead: null });
    expect(d.input).toBe('3');
    expect(d.cacheRead).toBe('');
    d.reasoning = '0,5';
    const r = fromDraft(d);
    expect(r).toMatchObject({ ok: true, price: { input: 3, output: 15, cacheRead: null, reasoning: 0.5, perRequestFee: null } });
  });

  it('names the first field that is not a number of 0 or more', () => {
    const d = toDraft(undefined);
    d.output = '-1';
    expect(fromDraft(d)).toEqual({ ok: false, field: 'output' });
    d.output = 'abc';
    expect(fromDraft(d)).toEqual({ ok: false, field: 'output' });
  });

  it('formats rates with at most 4 decimals and a dash when unset', () => {
    expect(formatRate(0.075, 'en')).toBe('0.075');
    expect(formatRate(1.234567, 'en')).toBe('1.2346');
    expect(formatRate(null, 'en')).toBe('–');
  });
});
