import { describe, expect, it } from 'vitest';
import { appendWithOverlap } from './log-tail';

describe('appendWithOverlap', () => {
  it('drops lines already shown and appends the rest', () => {
    expect(appendWithOverlap(['a', 'b', 'c'], ['b', 'c', 'd'], 10)).toEqual(['a', 'b', 'c', 'd']);
    expect(appendWithOverlap(['a', 'b'], ['x', 'y'], 10)).toEqual(['a', 'b', 'x', 'y']);
    expect(appendWithOverlap([], ['x'], 10)).toEqual(['x']);
  });

  it('keeps only the newest `max` lines', () => {
    expect(appendWithOverlap(['a', 'b'], ['c', 'd'], 3)).toEqual(['b', 'c', 'd']);
  });
});
