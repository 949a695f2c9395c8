import { describe, expect, it } from 'vitest';
import { maskSecret, redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('redacts a JWT, a bearer token and sk- keys', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const out = redactSecrets(`token ${jwt} and Bearer abcdefgh12345 and sk-live-1234567`);
    expect(out).not.toContain(jwt);
    expect(out).toContain('[REDACTED_JWT]');
    expect(out).toContain('Bearer [REDACTED]');
    expect(out).toContain('sk-[REDACTED]');
  });

  it('stays linear on a long run of eyJ-like fragments (no backtracking blow-up)', () => {
    // Each start of the old pattern scanned to the end of the run: 8 KB took ~43 ms, 256 KB would take ~40 s.
    const hostile = '-eyJ'.repeat(64 * 1024);
    const started = performance.now();
    expect(redactSecrets(hostile)).toBe(hostile);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('maskSecret', () => {
  it('keeps at most the last 4 characters of a key', () => {
    expect(maskSecret('sk-team-a-1234567890')).toBe('…7890');
    expect(maskSecret('sk-abcdefghij')).toBe('…ghij');
    expect(maskSecret('abcdefghi')).toBe('…hi');
    expect(maskSecret('abcde')).toBe('…');
    expect(maskSecret('  ')).toBe('');
  });
});
