import { describe, expect, it } from 'vitest';
import { dumpYaml, parseYaml, yamlErrorAt } from './yaml-codec';

describe('yaml codec', () => {
  it('reads with the YAML 1.2 core schema, empty text as null', () => {
    expect(parseYaml('a: 2025-01-01\nb: yes\n"<<": 1\nc: 0x10\n')).toEqual({ a: '2025-01-01', b: 'yes', '<<': 1, c: 16 });
    expect(parseYaml('')).toBeNull();
    expect(parseYaml('# only a comment\n')).toBeNull();
  });

  it('writes block style, long strings on one line, ambiguous strings quoted', () => {
    const long = 'x'.repeat(120);
    expect(dumpYaml({ a: [1, { b: long }], c: 'yes', d: {} })).toBe(`a:\n  - 1\n  - b: ${long}\nc: 'yes'\nd: {}\n`);
  });

  it('gives the 1-based line of a syntax error', () => {
    let err: unknown;
    try {
      parseYaml('a: 1\nb: [\n');
    } catch (e) {
      err = e;
    }
    expect(yamlErrorAt(err)).toMatchObject({ line: 3 });
    try {
      parseYaml('a: 1\na: 2\n');
    } catch (e) {
      err = e;
    }
    expect(yamlErrorAt(err)).toMatchObject({ line: 2, message: expect.stringContaining('duplicated') });
    expect(yamlErrorAt(new Error('other'))).toBeNull();
  });
});
