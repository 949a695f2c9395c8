import { describe, expect, it } from 'vitest';
import { capYoungGeneration } from './young-generation';

describe('capYoungGeneration (cpamp serve keeps the young generation at its initial size)', () => {
  const run = (args: string[], execArgv: string[] = [], nodeOptions?: string) => {
    const set: string[] = [];
    const applied = capYoungGeneration(args, execArgv, nodeOptions, (f) => void set.push(f));
    return { applied, set };
  };

  it('sets the growth factor to 1 for serve', () => {
    expect(run(['serve'])).toEqual({ applied: true, set: ['--semi-space-growth-factor=1'] });
  });

  it('leaves the other commands alone', () => {
    for (const args of [['import', 'x.jsonl'], ['export'], [], ['--help']]) expect(run(args)).toEqual({ applied: false, set: [] });
  });

  it("the operator's own young-generation flags win", () => {
    expect(run(['serve'], ['--max-semi-space-size=8'])).toEqual({ applied: false, set: [] });
    expect(run(['serve'], [], '--max_semi_space_size=4 --enable-source-maps')).toEqual({ applied: false, set: [] });
    expect(run(['serve'], ['--semi-space-growth-factor=2'])).toEqual({ applied: false, set: [] });
    expect(run(['serve'], ['--enable-source-maps'], '--max-old-space-size=512').applied).toBe(true);
  });
});
