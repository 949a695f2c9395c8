import { describe, expect, it } from 'vitest';
import { createBruteForceGuard } from './brute-force';

describe('brute-force guard (S1)', () => {
  it('blocks after 10 failures in 15 min with a growing backoff; success resets', () => {
    let t = 0;
    const g = createBruteForceGuard({ now: () => t });
    for (let i = 0; i < 9; i += 1) g.recordFailure('ip');
    expect(g.retryAfterSeconds('ip')).toBe(0);
    g.recordFailure('ip');
    expect(g.retryAfterSeconds('ip')).toBe(10);
    t += 10_000;
    expect(g.retryAfterSeconds('ip')).toBe(0);
    g.recordFailure('ip');
    expect(g.retryAfterSeconds('ip')).toBe(20);
    t += 20_000;
    g.recordFailure('ip');
    expect(g.retryAfterSeconds('ip')).toBe(40);
    expect(g.retryAfterSeconds('other')).toBe(0);
    g.recordSuccess('ip');
    expect(g.retryAfterSeconds('ip')).toBe(0);
    g.recordFailure('ip');
    expect(g.retryAfterSeconds('ip')).toBe(0);
  });

  it('forgets failures older than the window and caps the backoff', () => {
    let t = 0;
    const g = createBruteForceGuard({ now: () => t, maxBackoffMs: 60_000 });
    for (let i = 0; i < 9; i += 1) g.recordFailure('ip');
    t += 15 * 60_000 + 1;
    g.recordFailure('ip');
    expect(g.retryAfterSeconds('ip')).toBe(0);
    for (let i = 0; i < 20; i += 1) {
      g.recordFailure('ip');
      t += 1;
    }
    expect(g.retryAfterSeconds('ip')).toBeLessThanOrEqual(60);
  });

  it('bounds memory', () => {
    const g = createBruteForceGuard({ maxTrackedAddresses: 100 });
    for (let i = 0; i < 1000; i += 1) g.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(g.trackedAddresses()).toBe(100);
  });
});
