import { describe, expect, it } from 'vitest';
import { buildUrl, normalizeBaseUrl } from './base-url';
import { isCpaError } from './errors';

describe('normalizeBaseUrl', () => {
  it.each([
    ['http://127.0.0.1:8317', 'http://127.0.0.1:8317'],
    ['http://127.0.0.1:8317/', 'http://127.0.0.1:8317'],
    ['http://127.0.0.1:8317///', 'http://127.0.0.1:8317'],
    ['127.0.0.1:8317', 'http://127.0.0.1:8317'],
    ['localhost:8317', 'http://localhost:8317'],
    ['https://host/cpa/', 'https://host/cpa'],
    ['https://host/cpa', 'https://host/cpa'],
    ['https://host//cpa//', 'https://host/cpa'],
    ['https://host/cpa/v0/management', 'https://host/cpa'],
    ['https://host/cpa/v0/management/', 'https://host/cpa'],
    ['http://host:8317/v0/management', 'http://host:8317'],
    ['  http://host:8317  ', 'http://host:8317'],
  ])('%s → %s', (input, root) => {
    const n = normalizeBaseUrl(input);
    expect(n.root).toBe(root);
    expect(n.management).toBe(`${root}/v0/management`);
  });

  it.each([
    '',
    '   ',
    'ftp://host',
    'http://user:pw@host',
    'http://host/?x=1',
    'http://host/#frag',
    'http://[bad',
  ])('rejects %j with invalid_options', (input) => {
    try {
      normalizeBaseUrl(input);
      expect.unreachable();
    } catch (e) {
      expect(isCpaError(e) && e.code).toBe('invalid_options');
    }
  });
});

describe('buildUrl', () => {
  it('appends path and query, repeats array values, skips undefined', () => {
    expect(
      buildUrl('http://h/v0/management', '/auth-files', { name: ['a.json', 'b c.json'], all: undefined }),
    ).toBe('http://h/v0/management/auth-files?name=a.json&name=b+c.json');
    expect(buildUrl('http://h/v0/management', 'config')).toBe('http://h/v0/management/config');
  });
});
