import { describe, expect, it } from 'vitest';
import { diffLines, diffStats } from './line-diff';

describe('diffLines', () => {
  it('marks a changed line as one removal and one addition', () => {
    const ops = diffLines('a\nb\nc', 'a\nB\nc');
    expect(ops.map((o) => `${o.kind}:${o.text}`)).toEqual(['same:a', 'del:b', 'add:B', 'same:c']);
    expect(diffStats(ops)).toEqual({ added: 1, removed: 1 });
  });

  it('numbers old and new lines independently', () => {
    const ops = diffLines('x\ny', 'new\nx\ny');
    expect(ops[0]).toEqual({ kind: 'add', text: 'new', oldNo: null, newNo: 1 });
    expect(ops[2]).toEqual({ kind: 'same', text: 'y', oldNo: 2, newNo: 3 });
  });

  it('reports no changes for equal text', () => {
    expect(diffStats(diffLines('a\nb', 'a\nb'))).toEqual({ added: 0, removed: 0 });
  });
});
