import { describe, expect, it } from 'vitest';
import {
  HEADER_VALUE_SEP,
  headersJsonText,
  headersJsonWriter,
  packHeaders,
  unpackHeaders,
} from './header-codec';

describe('header codec', () => {
  it('keeps names once and values joined; unpacks to the same object and JSON text', () => {
    const h = { 'x-codex-primary-used-percent': '87', 'x-codex-plan-type': 'plus', 'retry-after': '' };
    const p = packHeaders(h)!;
    expect(p).toEqual({
      names: JSON.stringify(Object.keys(h)),
      values: ['87', 'plus', ''].join(HEADER_VALUE_SEP),
    });
    expect(unpackHeaders(p.values, p.names)).toEqual(h);
    expect(headersJsonText(p.values, p.names)).toBe(JSON.stringify(h));
    // One header whose value is empty: the row's text is '' and still means that header.
    expect(unpackHeaders('', '["retry-after"]')).toEqual({ 'retry-after': '' });
  });

  it('leaves JSON what the compact form cannot hold exactly; JSON rows read as before', () => {
    for (const h of [
      {},
      { a: 'x\u001fy' },
      { a: 'line\nbreak' },
      { a: '\ud800' },
      { a: 'C:\\users' },
      { a: 5 as unknown as string },
    ])
      expect(packHeaders(h)).toBeNull();
    expect(unpackHeaders('{"a":5}', null)).toEqual({ a: 5 });
    expect(headersJsonText('{"a":"b"}', null)).toBe('{"a":"b"}');
    expect(unpackHeaders(null, null)).toBeNull();
    expect(unpackHeaders('', null)).toBeNull();
  });
});

describe('headersJsonWriter', () => {
  it('writes the same text as JSON.stringify of the unpacked object, for every kind of set', () => {
    const write = headersJsonWriter();
    const sets: Record<string, string>[] = [
      { 'x-codex-primary-used-percent': '87', 'x-codex-plan-type': 'plus' },
      { '10': 'ten', 'x-b': 'b"q', '2': 'two' },
      { 'x-ratelimit-名前': 'значение 😀', 'retry-after': '' },
      { only: '' },
      JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>,
    ];
    for (const h of sets) {
      const p = packHeaders(h)!;
      expect(write(p.values, p.names)).toBe(JSON.stringify(h));
      expect(write(p.values, p.names)).toBe(headersJsonText(p.values, p.names));
    }
    expect(write('{"a":"b"}', null)).toBe('{"a":"b"}');
    expect(write(null, null)).toBeNull();
  });
});
