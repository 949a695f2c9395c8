import { describe, expect, it } from 'vitest';
import { normalizeCpaUrl, defaultCpaUrl } from './cpa-client';
import { errorFromResponse } from './errors';
import { isManagerInfo } from './manager-detect';

describe('errorFromResponse', () => {
  it('maps CPA 401/403/404 bodies to codes', () => {
    expect(errorFromResponse('u', 401, '{"error":"invalid management key"}', true).code).toBe('unauthorized');
    expect(errorFromResponse('u', 401, '{"error":"missing management key"}', true).code).toBe('missing-key');
    expect(errorFromResponse('u', 403, '{"error":"remote management disabled"}', true).code).toBe('remote-disabled');
    const banned = errorFromResponse('u', 403, '{"error":"IP banned due to too many failed attempts. Try again in 29m12s"}', true);
    expect(banned.code).toBe('banned');
    expect(banned.wait).toBe('29m12s');
    expect(errorFromResponse('u', 404, '', true).code).toBe('management-disabled');
    expect(errorFromResponse('u', 404, '', false).code).toBe('not-found');
    expect(errorFromResponse('u', 422, '{"error":"invalid_config","message":"bad port"}', false).detail).toBe('invalid_config: bad port');
  });
});

describe('CPA URL handling', () => {
  it('accepts host:port, full URLs and management suffixes', () => {
    expect(normalizeCpaUrl('127.0.0.1:8317', 'x')).toBe('http://127.0.0.1:8317');
    expect(normalizeCpaUrl('https://cpa.example.com/v0/management/', 'x')).toBe('https://cpa.example.com');
    expect(normalizeCpaUrl('https://h.example/sub/management.html', 'x')).toBe('https://h.example/sub');
    expect(normalizeCpaUrl('  ', 'http://fallback:1')).toBe('http://fallback:1');
  });

  it('defaults to the page origin and sub-path, or localhost from file://', () => {
    expect(defaultCpaUrl({ protocol: 'https:', origin: 'https://h.example', pathname: '/cpa/management.html' })).toBe('https://h.example/cpa');
    expect(defaultCpaUrl({ protocol: 'file:', origin: 'null', pathname: '/tmp/management.html' })).toBe('http://127.0.0.1:8317');
  });
});

describe('isManagerInfo', () => {
  it('recognises a manager info body and rejects others', () => {
    expect(isManagerInfo({ service: 'cpamp', setupRequired: false })).toBe(true);
    expect(isManagerInfo({ setupRequired: true })).toBe(true);
    expect(isManagerInfo({ error: 'not found' })).toBe(false);
    expect(isManagerInfo([])).toBe(false);
  });
});
