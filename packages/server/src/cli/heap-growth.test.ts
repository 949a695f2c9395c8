import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, tightenHeapGrowth } from './heap-growth';

describe('tightenHeapGrowth (cpamp serve: young generation at its initial size, old generation grows by 50%)', () => {
  const run = (args: string[], execArgv: string[] = [], nodeOptions?: string) => {
    const set: string[] = [];
    const applied = tightenHeapGrowth(args, execArgv, nodeOptions, (f) => void set.push(f));
    expect(applied).toEqual(set);
    return set;
  };
  const OLD = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

  it('sets both growth flags for serve', () => {
    expect(run(['serve'])).toEqual(['--semi-space-growth-factor=1', OLD]);
  });

  it('leaves the other commands alone', () => {
    for (const args of [['import', 'x.jsonl'], ['export'], [], ['--help']]) expect(run(args)).toEqual([]);
  });

  it("the operator's own young-generation flags win", () => {
    expect(run(['serve'], ['--max-semi-space-size=8'])).toEqual([OLD]);
    expect(run(['serve'], [], '--max_semi_space_size=4 --enable-source-maps')).toEqual([OLD]);
    expect(run(['serve'], ['--semi-space-growth-factor=2'])).toEqual([OLD]);
    expect(run(['serve'], ['--enable-source-maps'], '--max-old-space-size=512')).toEqual(['--semi-space-growth-factor=1', OLD]);
  });

  it("the operator's own old-generation flags win", () => {
    expect(run(['serve'], ['--heap-growing-percent=100'])).toEqual(['--semi-space-growth-factor=1']);
    expect(run(['serve'], ['--heap_growing_percent=50'])).toEqual(['--semi-space-growth-factor=1']);
    expect(run(['serve'], ['--optimize-for-size'])).toEqual(['--semi-space-growth-factor=1']);
  });
});
