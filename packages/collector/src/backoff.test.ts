import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';
import { classifyError, parseGoDuration } from './cpa-port';

describe('Backoff', () => {
  it('goes 1 s → 30 s with ±20 % jitter and resets', () => {
    const mid = new Backoff({ random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6, 7].map(() => mid.next())).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    mid.reset();
    expect(mid.next()).toBe(1000);
    const low = new Backoff({ random: () => 0 });
    expect(low.next()).toBe(800);
    const high = new Backoff({ random: () => 0.999999 });
    for (let i = 0; i < 10; i++) expect(high.next()).toBeLessThanOrEqual(30_000);
  });
});

describe('classifyError', () => {
  const now = Date.UTC(2026, 7, 22, 12, 0, 0);
  it('maps CPA answers to unsupported / auth / transient', () => {
    expect(classifyError({ status: 404, code: 'management_disabled', message: 'x' }, 'http', now).cls).toBe(
      'unsupported',
    );
    expect(classifyError({ status: 405, message: 'x' }, 'http', now).cls).toBe('unsupported');
    expect(classifyError({ status: 501, message: 'x' }, 'http', now).cls).toBe('unsupported');
    expect(classifyError(new Error('Unknown RESP type 72 "H"'), 'subscribe', now).cls).toBe('unsupported');
    expect(classifyError(new Error("ERR unknown command 'subscribe'"), 'subscribe', now).cls).toBe(
      'unsupported',
    );
    expect(classifyError(new Error('ERR invalid management key'), 'subscribe', now).error.code).toBe(
      'auth_rejected',
    );
    expect(
      classifyError(
        { status: 403, code: 'remote_management_disabled', message: 'remote management disabled' },
        'http',
        now,
      ).error.code,
    ).toBe('remote_disabled');
    const banned = classifyError(
      new Error('ERR IP banned due to too many failed attempts. Try again in 29m12s'),
      'resp-pop',
      now,
    ).error;
    expect(banned.code).toBe('ip_banned');
    expect(banned.message).toContain(new Date(now + (29 * 60 + 12) * 1000).toISOString());
    expect(classifyError({ status: 500, message: 'boom' }, 'http', now)).toMatchObject({ cls: 'transient' });
    expect(classifyError(new Error('connect ECONNREFUSED 127.0.0.1:1'), 'http', now).error.code).toBe(
      'cpa_unreachable',
    );
  });
  it('parses Go durations', () => {
    expect(parseGoDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseGoDuration('nothing')).toBeNull();
  });
});
