import { describe, expect, it } from 'vitest';
import { createBruteForceGuard, type AttemptTicket, type BruteForceGuard } from './brute-force';

const ticket = (g: BruteForceGuard, address = 'ip'): AttemptTicket => {
  const t = g.begin(address);
  if ('retryAfterSeconds' in t) throw new Error(`refused for ${t.retryAfterSeconds} s`);
  return t;
};
const failN = (g: BruteForceGuard, n: number, address = 'ip') => {
  for (let i = 0; i < n; i += 1) ticket(g, address).fail();
};

describe('admin-key brute-force guard', () => {
  it('locks after 10 failures for 10 s, doubling once per lock; success resets', () => {
    let t = 0;
    const g = createBruteForceGuard({ now: () => t });
    failN(g, 9);
    expect(g.retryAfterSeconds('ip')).toBe(0);
    failN(g, 1);
    expect(g.retryAfterSeconds('ip')).toBe(10);
    expect(g.begin('ip')).toEqual({ retryAfterSeconds: 10 });
    t += 10_000;
    // One more failure after a lock does not lock again: it takes another ten.
    failN(g, 9);
    expect(g.retryAfterSeconds('ip')).toBe(0);
    failN(g, 1);
    expect(g.retryAfterSeconds('ip')).toBe(20);
    t += 20_000;
    failN(g, 10);
    expect(g.retryAfterSeconds('ip')).toBe(40);
    expect(g.retryAfterSeconds('other')).toBe(0);
    t += 40_000;
    ticket(g).succeed();
    failN(g, 10);
    expect(g.retryAfterSeconds('ip')).toBe(10);
  });

  it('counts attempts in flight: a parallel burst gets no more checks than the limit', () => {
    const g = createBruteForceGuard({ now: () => 0 });
    const results = Array.from({ length: 40 }, () => g.begin('ip'));
    const granted = results.filter((r): r is AttemptTicket => !('retryAfterSeconds' in r));
    expect(granted).toHaveLength(10);
    for (const r of granted) r.fail();
    expect(g.retryAfterSeconds('ip')).toBe(10);
    expect('retryAfterSeconds' in g.begin('other')).toBe(false);
  });

  it('an abandoned check frees its place without counting as a failure', () => {
    const g = createBruteForceGuard({ now: () => 0 });
    for (let i = 0; i < 10; i += 1) ticket(g).abandon();
    failN(g, 9);
    expect(g.retryAfterSeconds('ip')).toBe(0);
  });

  it('forgets failures older than the window and caps the backoff', () => {
    let t = 0;
    const g = createBruteForceGuard({ now: () => t, maxBackoffMs: 60_000 });
    failN(g, 9);
    t += 15 * 60_000 + 1;
    failN(g, 1);
    expect(g.retryAfterSeconds('ip')).toBe(0);
    ticket(g).succeed();
    for (let lock = 0; lock < 6; lock += 1) {
      failN(g, 10);
      expect(g.retryAfterSeconds('ip')).toBeLessThanOrEqual(60);
      t += 60_000;
    }
  });

  it('bounds memory', () => {
    const g = createBruteForceGuard({ maxTrackedAddresses: 100 });
    for (let i = 0; i < 1000; i += 1) ticket(g, `10.0.${i >> 8}.${i & 255}`).fail();
    expect(g.trackedAddresses()).toBe(100);
  });
});
