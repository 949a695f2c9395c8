import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from './settings-schema';
import { parseYaml } from './yaml-codec';
import { patchYaml, sameData, withValue } from './yaml-patch';

const CONFIG = `# CPA config
port: 8317 # the port

# Access
api-keys:
  - "k1"   # first key
quota-exceeded:
  switch-project: true # keep this comment
  # about the next key
  switch-preview-model: false
routing:
  strategy: fill-first
# trailing notes
#   more notes
`;

/** The lines of `a` that are not in `b`, in order (what an edit removed). */
const gone = (a: string, b: string) => a.split('\n').filter((l) => !b.split('\n').includes(l));

describe('patchYaml', () => {
  it('replaces a scalar in place, keeping its comment and every other line', () => {
    const out = patchYaml(CONFIG, ['port'], 9000);
    expect(out).toBe(CONFIG.replace('port: 8317 # the port', 'port: 9000 # the port'));
    const nested = patchYaml(CONFIG, ['quota-exceeded', 'switch-project'], false);
    expect(nested).toBe(CONFIG.replace('switch-project: true # keep', 'switch-project: false # keep'));
  });

  it('returns the text unchanged when the value is already there, or a missing key is deleted', () => {
    expect(patchYaml(CONFIG, ['port'], 8317)).toBe(CONFIG);
    expect(patchYaml(CONFIG, ['nope'], undefined)).toBe(CONFIG);
    expect(patchYaml(CONFIG, ['nope', 'deeper'], undefined)).toBe(CONFIG);
    expect(patchYaml(CONFIG, ['port', 'deeper'], undefined)).toBe(CONFIG);
  });

  it('adds a new key to the end of its mapping, before trailing comments', () => {
    const out = patchYaml(CONFIG, ['routing', 'session-affinity'], true);
    expect(out).toBe(CONFIG.replace('  strategy: fill-first\n', '  strategy: fill-first\n  session-affinity: true\n'));
    const top = patchYaml(CONFIG, ['debug'], true);
    expect(top).toBe(CONFIG.replace('# trailing notes', 'debug: true\n# trailing notes'));
  });

  it('creates missing parent mappings at the file indent', () => {
    const out = patchYaml(CONFIG, ['codex', 'live-media-relay', 'max-sessions'], 8);
    expect(out).toBe(CONFIG.replace('# trailing notes', 'codex:\n  live-media-relay:\n    max-sessions: 8\n# trailing notes'));
    const four = 'a:\n    b: 1\n';
    expect(patchYaml(four, ['c', 'd'], 2)).toBe('a:\n    b: 1\nc:\n    d: 2\n');
    expect(patchYaml(four, ['a', 'x', 'w'], 'z')).toBe('a:\n    b: 1\n    x:\n        w: z\n');
  });

  it('turns a null or scalar parent into a mapping, keeping the comments around it', () => {
    const text = 'streaming: # keepalive\n# later\nport: 1\n';
    expect(patchYaml(text, ['streaming', 'keepalive-seconds'], 15)).toBe('streaming: # keepalive\n  keepalive-seconds: 15\n# later\nport: 1\n');
    expect(patchYaml('tls: off\nport: 1\n', ['tls', 'enable'], true)).toBe('tls:\n  enable: true\nport: 1\n');
  });

  it('rewrites a flow mapping on the path as a block with the same data', () => {
    const out = patchYaml('# c\ntls: {enable: true, cert: a.pem} # tls\nport: 1\n', ['tls', 'key'], 'k.pem');
    expect(out).toBe('# c\ntls: # tls\n  enable: true\n  cert: a.pem\n  key: k.pem\nport: 1\n');
  });

  it('replaces a list or a nested block, at the right indent, with nothing else touched', () => {
    const out = patchYaml(CONFIG, ['api-keys'], ['k1', 'k2']);
    expect(out).toBe(CONFIG.replace('api-keys:\n  - "k1"   # first key\n', 'api-keys:\n  - k1\n  - k2\n'));
    const block = patchYaml(CONFIG, ['quota-exceeded'], { 'switch-project': false });
    expect(block).toBe(CONFIG.replace(/quota-exceeded:\n[\s\S]*?(?=routing:)/, 'quota-exceeded:\n  switch-project: false\n'));
    const payload = { default: [{ models: [{ name: 'gemini-2.5-pro' }], params: { 'a.b': 32768 } }] };
    const deep = patchYaml(CONFIG, ['routing', 'payload'], payload);
    expect(deep).toContain('routing:\n  strategy: fill-first\n  payload:\n    default:\n      - models:\n          - name: gemini-2.5-pro\n        params:\n          a.b: 32768\n# trailing notes');
    expect(parseYaml(deep)).toEqual(withValue(parseYaml(CONFIG) as Record<string, unknown>, ['routing', 'payload'], payload));
  });

  it('replaces a list written at the key indent and a multi-line value', () => {
    const text = 'api-keys:\n- a\n- b # x\nnext: 1\nlong: |\n  line one\n  # not a comment\nlast: 2\n';
    expect(patchYaml(text, ['api-keys'], ['c'])).toBe('api-keys:\n  - c\nnext: 1\nlong: |\n  line one\n  # not a comment\nlast: 2\n');
    expect(patchYaml(text, ['long'], 'short')).toBe('api-keys:\n- a\n- b # x\nnext: 1\nlong: short\nlast: 2\n');
    expect(patchYaml(text, ['next'], 'two\nlines')).toBe('api-keys:\n- a\n- b # x\nnext: |-\n  two\n  lines\nlong: |\n  line one\n  # not a comment\nlast: 2\n');
  });

  it('adds after a block scalar whose last lines look like comments', () => {
    const text = 'a: |\n  text\n  # part of a\n';
    const out = patchYaml(text, ['b'], 1);
    expect(out).toBe('a: |\n  text\n  # part of a\nb: 1\n');
  });

  it('deletes a key with its nested block, keeping comments and emptied parents as {}', () => {
    const out = patchYaml(CONFIG, ['quota-exceeded', 'switch-project'], undefined);
    expect(gone(CONFIG, out)).toEqual(['  switch-project: true # keep this comment']);
    const whole = patchYaml(CONFIG, ['quota-exceeded'], undefined);
    // Comments inside the removed block go with it; the ones before and after it stay.
    expect(whole).toBe(CONFIG.replace(/quota-exceeded:\n[\s\S]*?(?=routing:)/, ''));
    const emptied = patchYaml(CONFIG, ['routing', 'strategy'], undefined);
    expect(emptied).toBe(CONFIG.replace('routing:\n  strategy: fill-first\n', 'routing: {}\n'));
  });

  it('quotes strings that would otherwise read as another type or break the line', () => {
    const cases: [unknown, string][] = [
      ['123', "'123'"],
      ['true', "'true'"],
      ['yes', "'yes'"],
      ['', "''"],
      ['null', "'null'"],
      ['a: b', "'a: b'"],
      ['x # y', "'x # y'"],
      ['- item', "'- item'"],
      ["it's", "it's"],
      ['2025-01-01', "'2025-01-01'"],
      ['socks5://127.0.0.1:1080', 'socks5://127.0.0.1:1080'],
    ];
    for (const [v, shown] of cases) {
      const out = patchYaml('k: 1 # c\n', ['k'], v);
      expect(out).toBe(`k: ${shown} # c\n`);
      expect(parseYaml(out)).toEqual({ k: v });
    }
  });

  it('matches quoted keys and keeps their spelling', () => {
    const text = '"port": 1\n\'host\': a\n"a\\tb": 2\n';
    expect(patchYaml(text, ['port'], 2)).toBe('"port": 2\n\'host\': a\n"a\\tb": 2\n');
    expect(patchYaml(text, ['host'], 'b')).toBe('"port": 1\n\'host\': b\n"a\\tb": 2\n');
    expect(patchYaml(text, ['a\tb'], 3)).toBe('"port": 1\n\'host\': a\n"a\\tb": 3\n');
  });

  it('handles empty and comment-only files, files without a final newline, and CRLF line ends', () => {
    expect(patchYaml('', ['port'], 1)).toBe('port: 1\n');
    expect(patchYaml('# only a comment\n', ['a', 'b'], 1)).toBe('# only a comment\na:\n  b: 1\n');
    expect(patchYaml('a: 1', ['b'], 2)).toBe('a: 1\nb: 2');
    expect(patchYaml('a: 1 # c\r\nb:\r\n  c: 2\r\n', ['b', 'd'], 3)).toBe('a: 1 # c\r\nb:\r\n  c: 2\r\n  d: 3\r\n');
  });

  it('rewrites a file whose top level is not a block mapping', () => {
    expect(parseYaml(patchYaml('{a: 1}\n', ['b'], 2))).toEqual({ a: 1, b: 2 });
    expect(patchYaml('- x\n', ['b'], 2)).toBe('b: 2\n');
  });

  it('refuses an edit that would change other data, and invalid YAML', () => {
    const anchored = 'base: &b\n  x: 1\nother: *b\n';
    expect(() => patchYaml(anchored.replace('&b\n  x: 1', '&b {x: 1}'), ['base', 'y'], 2)).toThrow(/YAML editor/);
    expect(() => patchYaml('a: [\n', ['a'], 1)).toThrow();
  });
});

describe("patchYaml on CPA's config.example.yaml", () => {
  const example = readFileSync(new URL('../../../../../test/fixtures/cpa-v7.2.140/config.example.yaml', import.meta.url), 'utf8');
  const lines = example.split('\n');
  const comments = (t: string) => t.split('\n').filter((l) => l.trim().startsWith('#'));
  /** The one changed stretch between two texts: lines removed from `a` and added in `b`. */
  const hunk = (b: string[]) => {
    let p = 0;
    while (p < lines.length && lines[p] === b[p]) p++;
    let q = 0;
    while (q < lines.length - p && q < b.length - p && lines[lines.length - 1 - q] === b[b.length - 1 - q]) q++;
    return { removed: lines.slice(p, lines.length - q), added: b.slice(p, b.length - q) };
  };

  it('sets and deletes every Settings key, keeping every comment; a scalar changes on its own line', () => {
    const data = parseYaml(example) as Record<string, unknown>;
    for (const s of SETTINGS) {
      const path = s.key.split('.');
      const cur = path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
      const value =
        s.kind === 'bool' ? cur !== true : s.kind === 'int' ? 4321 : s.kind === 'lines' ? ['x', 'y'] : s.kind === 'block' ? { a: [1, { b: 'c' }] } : 'new value';
      for (const v of [value, undefined]) {
        const out = patchYaml(example, path, v); // throws unless the file then holds exactly the intended data
        expect(comments(out), s.key).toEqual(comments(example));
        if (v !== undefined && cur !== undefined && typeof cur !== 'object') {
          expect(hunk(out.split('\n')), s.key).toMatchObject({ removed: [expect.stringContaining(path.at(-1)!)], added: [expect.stringContaining(path.at(-1)!)] });
        }
      }
    }
  });
});

describe('sameData and withValue', () => {
  it('compares parsed data and sets values on copies', () => {
    expect(sameData({ a: [1, { b: Number.NaN }] }, { a: [1, { b: Number.NaN }] })).toBe(true);
    expect(sameData({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameData([1], { 0: 1 })).toBe(false);
    const src = { a: { b: 1 }, c: 'x' };
    expect(withValue(src, ['a', 'd'], 2)).toEqual({ a: { b: 1, d: 2 }, c: 'x' });
    expect(withValue(src, ['c', 'd'], 2)).toEqual({ a: { b: 1 }, c: { d: 2 } });
    expect(withValue(src, ['a', 'b'], undefined)).toEqual({ a: {}, c: 'x' });
    expect(src).toEqual({ a: { b: 1 }, c: 'x' });
  });
});
