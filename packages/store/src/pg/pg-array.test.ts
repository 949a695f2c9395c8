import { describe, expect, it } from 'vitest';
import { hexArray, intArray, textArray } from './pg-array';

describe('Postgres array literals', () => {
  it('writes integers and NULLs', () => {
    expect(intArray([1, -2, null, 1_787_000_000_000, undefined])).toBe('{1,-2,NULL,1787000000000,NULL}');
    expect(intArray([])).toBe('{}');
  });
  it('quotes every text element and escapes backslashes and double quotes', () => {
    expect(textArray(['a', '', 'NULL', 'x,y {z}', 'say "hi" \\o/', null])).toBe(
      '{"a","","NULL","x,y {z}","say \\"hi\\" \\\\o/",NULL}',
    );
  });
  it('joins hex strings', () => {
    expect(hexArray(['00ff', 'ab'])).toBe('{00ff,ab}');
  });
});
