import { describe, expect, it } from 'vitest';
import { toCsv } from './export-rows';

describe('toCsv', () => {
  it('quotes commas and quotes, defuses formulas, keeps numbers', () => {
    const csv = toCsv([
      { model: 'gpt-5', label: 'a,"b"', requests: 3, cost_usd: 0.25 },
      { model: '=HYPERLINK("x")', label: '', requests: -1, cost_usd: 0 },
    ]);
    expect(csv).toBe('model,label,requests,cost_usd\r\ngpt-5,"a,""b""",3,0.25\r\n"\'=HYPERLINK(""x"")",,-1,0\r\n');
    expect(toCsv([])).toBe('');
  });
});
