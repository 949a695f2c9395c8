import { describe, expect, it } from 'vitest';
import { compareVersions, formatBytes, maskSecret, toMs } from './format';

describe('format helpers', () => {
  it('masks secrets keeping only the ends', () => {
    expect(maskSecret('AIzaSyFakeGeminiKey000001')).toBe('AIza…0001');
    expect(maskSecret('short123')).toBe('sh…23');
    expect(maskSecret('abc')).toBe('•••');
    expect(maskSecret(undefined)).toBe('');
  });

  it('compares CPA versions with or without a v prefix', () => {
    expect(compareVersions('7.2.140', 'v7.2.140')).toBe(0);
    expect(compareVersions('v7.2.9', '7.2.140')).toBe(-1);
    expect(compareVersions('7.10.0', '7.9.99')).toBe(1);
  });

  it('reads seconds, milliseconds and ISO strings as epoch ms', () => {
    expect(toMs(1_700_000_000)).toBe(1_700_000_000_000);
    expect(toMs(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(toMs('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(toMs('')).toBeNull();
  });

  it('formats byte sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
  });
});
