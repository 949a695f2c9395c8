import { describe, expect, it } from 'vitest';
import { CpaAuthError, CpaHttpError, truncateBody } from './errors';
import { errorFromResponse, parseCpaErrorBody } from './status-errors';

const at = { method: 'GET' as const, url: 'http://h/v0/management/config' };

describe('errorFromResponse', () => {
  it('401 missing key → CpaAuthError unauthorized/missing_key naming what to set', () => {
    const e = errorFromResponse({ ...at, status: 401, body: '{"error":"missing management key"}' });
    expect(e).toBeInstanceOf(CpaAuthError);
    expect(e.code).toBe('unauthorized');
    expect((e as CpaAuthError).reason).toBe('missing_key');
    expect(e.message).toMatch(/CPA_MANAGEMENT_KEY/);
  });
  it('401 invalid key → tells to check remote-management.secret-key and CPA_MANAGEMENT_KEY', () => {
    const e = errorFromResponse({ ...at, status: 401, body: '{"error":"invalid management key"}' });
    expect((e as CpaAuthError).reason).toBe('invalid_key');
    expect(e.message).toMatch(/CPA rejected the management key/);
    expect(e.message).toMatch(/remote-management\.secret-key/);
    expect(e.message).toMatch(/CPA_MANAGEMENT_KEY/);
    expect(e.message).toMatch(/ban/);
  });
  it('403 remote disabled → allow-remote hint', () => {
    const e = errorFromResponse({ ...at, status: 403, body: '{"error":"remote management disabled"}' });
    expect(e.code).toBe('remote_management_disabled');
    expect(e.message).toMatch(/remote-management\.allow-remote: true/);
    expect(e.message).toMatch(/localhost/);
  });
  it('403 IP banned → keeps "Try again in", parses retryAfter, warns about more attempts', () => {
    const e = errorFromResponse({
      ...at,
      status: 403,
      body: '{"error":"IP banned due to too many failed attempts. Try again in 29m12s"}',
    }) as CpaAuthError;
    expect(e.code).toBe('ip_banned');
    expect(e.retryAfter).toBe('29m12s');
    expect(e.message).toMatch(/Try again in 29m12s/);
    expect(e.message).toMatch(/nothing but another ban/);
  });
  it('403 other → forbidden', () => {
    expect(
      errorFromResponse({ ...at, status: 403, body: '{"error":"remote management key not set"}' }).code,
    ).toBe('forbidden');
    expect(errorFromResponse({ ...at, status: 403, body: '<html>nginx</html>' }).code).toBe('forbidden');
  });
  it('404 without CPA body → management_disabled; with body → not_found', () => {
    const off = errorFromResponse({ ...at, status: 404, body: '' });
    expect(off).not.toBeInstanceOf(CpaAuthError);
    expect(off.code).toBe('management_disabled');
    expect(off.message).toMatch(/secret-key/);
    expect(off.message).toMatch(/too old/);
    expect(errorFromResponse({ ...at, status: 404, body: '404 page not found' }).code).toBe(
      'management_disabled',
    );
    const nf = errorFromResponse({ ...at, status: 404, body: '{"error":"auth file not found"}' });
    expect(nf.code).toBe('not_found');
    expect(nf.cpaError).toBe('auth file not found');
  });
  it('400 → bad_request, 500 → http_error, 503 mentions unavailability', () => {
    expect(errorFromResponse({ ...at, status: 400, body: '{"error":"invalid body"}' }).code).toBe(
      'bad_request',
    );
    const e = errorFromResponse({ ...at, status: 503, body: 'busy' });
    expect(e).toBeInstanceOf(CpaHttpError);
    expect(e.code).toBe('http_error');
    expect(e.status).toBe(503);
    expect(e.message).toMatch(/unavailable/);
  });
  it('truncates long bodies to 2 KB', () => {
    const e = errorFromResponse({ ...at, status: 500, body: 'é'.repeat(5000) });
    expect(Buffer.byteLength(e.body)).toBeLessThanOrEqual(2048);
    expect(e.body.endsWith('…[truncated]')).toBe(true);
    expect(truncateBody('short')).toBe('short');
  });
});

describe('parseCpaErrorBody', () => {
  it('reads error and message, ignores other shapes', () => {
    expect(parseCpaErrorBody('{"error":"invalid_yaml","message":"line 3"}')).toEqual({
      error: 'invalid_yaml',
      message: 'line 3',
    });
    expect(parseCpaErrorBody('{"status":"error"}')).toBeUndefined();
    expect(parseCpaErrorBody('not json')).toBeUndefined();
    expect(parseCpaErrorBody('[1]')).toBeUndefined();
  });
});
