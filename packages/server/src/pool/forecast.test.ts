import { describe, expect, it } from 'vitest';
import { accountExhaustAt, burnPerHour, cyclePace, forecastMessage, formatUtc, percentPerHour, poolForecast, windowExhaustAt, type PoolMember } from './forecast';

const H = 3_600_000;
// Monday 2026-11-16 10:30 UTC.
const NOW = Date.UTC(2026, 10, 16, 10, 30);
const THU_0900 = Date.UTC(2026, 10, 19, 9, 0);

describe('burnPerHour', () => {
  it('uses the last 3 h when they saw traffic', () => {
    expect(burnPerHour({ requests: 30, tokens: 30_000, costMicros: 3_000_000 }, { requests: 48, tokens: 48_000, costMicros: 2_400_000 })).toEqual({ requests: 10, tokens: 10_000, costMicros: 1_000_000 });
  });
  it('falls back to the 24 h average', () => {
    expect(burnPerHour({ requests: 0, tokens: 0, costMicros: 0 }, { requests: 48, tokens: 48_000, costMicros: 2_400_000 })).toEqual({ requests: 2, tokens: 2_000, costMicros: 100_000 });
  });
});

describe('percentPerHour', () => {
  const reset = NOW + 10 * H;
  it('is the slope over the current cycle: 20 % → 50 % in 2 h = 15 %/h', () => {
    expect(percentPerHour([{ tMs: NOW - 2 * H, usedPercent: 20, resetAtMs: reset }], { tMs: NOW, usedPercent: 50, resetAtMs: reset }, NOW)).toBe(15);
  });
  it('ignores points of an earlier cycle and spans under 5 minutes', () => {
    expect(percentPerHour([{ tMs: NOW - 2 * H, usedPercent: 90, resetAtMs: reset - 5 * H }], { tMs: NOW, usedPercent: 50, resetAtMs: reset }, NOW)).toBeNull();
    expect(percentPerHour([{ tMs: NOW - 60_000, usedPercent: 40, resetAtMs: reset }], { tMs: NOW, usedPercent: 50, resetAtMs: reset }, NOW)).toBeNull();
  });
  it('never goes negative', () => {
    expect(percentPerHour([{ tMs: NOW - H, usedPercent: 60, resetAtMs: reset }], { tMs: NOW, usedPercent: 50, resetAtMs: reset }, NOW)).toBe(0);
  });
});

describe('cyclePace', () => {
  it('is the average pace since the cycle began: 30 % in the first 2 h of a 5 h window = 15 %/h', () => {
    expect(cyclePace(30, 18_000, NOW + 3 * H, NOW)).toBe(15);
    expect(cyclePace(30, 18_000, NOW + 5 * H - 60_000, NOW)).toBeNull();
    expect(cyclePace(null, 18_000, NOW + H, NOW)).toBeNull();
  });
});

describe('windowExhaustAt / accountExhaustAt', () => {
  it('50 % used at 10 %/h empties in 5 h when the reset is later', () => {
    expect(windowExhaustAt({ window: 'weekly', usedPercent: 50, resetAtMs: NOW + 10 * H, observedAtMs: NOW, ratePerHour: 10 }, NOW)).toBe(NOW + 5 * H);
  });
  it('is null when the reset comes first, or without a rate', () => {
    expect(windowExhaustAt({ window: '5h', usedPercent: 50, resetAtMs: NOW + 4 * H, observedAtMs: NOW, ratePerHour: 10 }, NOW)).toBeNull();
    expect(windowExhaustAt({ window: '5h', usedPercent: 50, resetAtMs: NOW + 4 * H, observedAtMs: NOW, ratePerHour: null }, NOW)).toBeNull();
  });
  it('a full window has no "runs out" time (never one in the past); the account is empty until its reset', () => {
    const full = { window: '5h', usedPercent: 100, resetAtMs: NOW + H, observedAtMs: NOW - 60_000, ratePerHour: 0 };
    expect(windowExhaustAt(full, NOW)).toBeNull();
    expect(accountExhaustAt([full, { window: 'weekly', usedPercent: 50, resetAtMs: THU_0900, observedAtMs: NOW, ratePerHour: 10 }], NOW)).toEqual({ exhaustAtMs: null, window: '5h', emptyUntilMs: NOW + H });
  });
  it('the account takes its tightest window', () => {
    const r = accountExhaustAt(
      [
        { window: '5h', usedPercent: 70, resetAtMs: NOW + 4 * H, observedAtMs: NOW, ratePerHour: 10 }, // 3 h
        { window: 'weekly', usedPercent: 90, resetAtMs: NOW + 50 * H, observedAtMs: NOW, ratePerHour: 5 }, // 2 h
      ],
      NOW,
    );
    expect(r).toEqual({ exhaustAtMs: NOW + 2 * H, window: 'weekly', emptyUntilMs: null });
  });
});

const member = (used: number, rate: number, resetAtMs: number, usable = true): PoolMember => ({
  usable,
  windows: [{ window: 'weekly', usedPercent: used, resetAtMs, observedAtMs: NOW, ratePerHour: rate }],
  burn: { requests: 1, tokens: 100, costMicros: 1_000 },
});

describe('poolForecast', () => {
  it('sums remaining capacity and rates: (60 + 20) % at 20 %/h = 4 h, before Thursday\'s reset: at risk', () => {
    const f = poolForecast([member(40, 10, THU_0900), member(80, 10, THU_0900)], NOW);
    expect(f).toMatchObject({ exhaustAtMs: NOW + 4 * H, dryAtMs: NOW + 4 * H, nextResetAtMs: THU_0900, verdict: 'at-risk', reason: 'runs-dry', bindingWindow: 'weekly' });
    expect(f.windows).toEqual([{ window: 'weekly', avgUsedPercent: 60, minRemainingPercent: 20, nextResetAtMs: THU_0900 }]);
    expect(f.burnPerHour).toEqual({ requests: 2, tokens: 200, costMicros: 2_000 });
    expect(forecastMessage('codex', null, f, NOW)).toBe('Codex pool runs dry 14:30 UTC at the current pace, before the weekly reset Thu 09:00 UTC.');
  });
  it('leaves unusable accounts out of the capacity: 20 % at 10 %/h = 2 h', () => {
    const f = poolForecast([member(40, 10, THU_0900, false), member(80, 10, THU_0900)], NOW);
    expect(f.exhaustAtMs).toBe(NOW + 2 * H);
  });
  it('a window type seen only on disabled accounts does not zero the pool', () => {
    const active: PoolMember = {
      usable: true,
      windows: [
        { window: 'weekly', usedPercent: 40, resetAtMs: THU_0900, observedAtMs: NOW, ratePerHour: 10 },
        { window: '5h', usedPercent: 20, resetAtMs: NOW + 4 * H, observedAtMs: NOW, ratePerHour: 10 },
      ],
      burn: { requests: 1, tokens: 100, costMicros: 1_000 },
    };
    const disabled: PoolMember = {
      usable: false,
      windows: [
        { window: 'weekly-opus', usedPercent: 100, resetAtMs: THU_0900, observedAtMs: NOW, ratePerHour: 0 },
        { window: 'weekly', usedPercent: 90, resetAtMs: THU_0900, observedAtMs: NOW, ratePerHour: 5 },
      ],
      burn: { requests: 0, tokens: 0, costMicros: 0 },
    };
    const f = poolForecast([active, disabled], NOW);
    // weekly: 60 % left at 10 %/h = 6 h (16:30), before Thursday: at risk. 5h: 80 % at 10 %/h = 8 h, after its reset in 4 h.
    expect(f).toMatchObject({ bindingWindow: 'weekly', exhaustAtMs: NOW + 6 * H, verdict: 'at-risk' });
    expect(f.windows).toEqual([
      { window: '5h', avgUsedPercent: 20, minRemainingPercent: 80, nextResetAtMs: NOW + 4 * H },
      { window: 'weekly', avgUsedPercent: 40, minRemainingPercent: 60, nextResetAtMs: THU_0900 },
    ]);
    // Nothing can serve: empty now, and the windows still say when capacity comes back.
    const none = poolForecast([{ ...active, usable: false }, disabled], NOW);
    expect(none).toMatchObject({ exhaustAtMs: null, verdict: 'empty', reason: 'no-usable', emptyUntilMs: THU_0900, avgRemainingPercent: 0 });
    expect(forecastMessage('claude', null, none, NOW)).toBe('Claude pool is empty until Thu 09:00 UTC: no account can serve.');
  });
  it('runs dry after more than 6 h but before the reset: watch', () => {
    const f = poolForecast([member(40, 5, THU_0900), member(80, 5, THU_0900)], NOW);
    expect(f).toMatchObject({ verdict: 'watch', reason: 'runs-dry', exhaustAtMs: NOW + 8 * H });
  });
  it('reaches the reset before it runs dry, however close: safe', () => {
    const f = poolForecast([member(60, 10, NOW + 3.8 * H), member(60, 10, NOW + 3.8 * H)], NOW);
    expect(f).toMatchObject({ verdict: 'safe', reason: 'reset-first', exhaustAtMs: null, dryAtMs: NOW + 4 * H });
  });
  it('no-data without windows', () => {
    const empty = poolForecast([{ usable: true, windows: [], burn: { requests: 0, tokens: 0, costMicros: 0 } }], NOW);
    expect(empty.verdict).toBe('no-data');
    expect(forecastMessage('claude', null, empty, NOW)).toBe('No quota data for the Claude pool yet; run an inspection.');
  });
});

describe('formatUtc', () => {
  it('formats today, this week and later', () => {
    expect(formatUtc(NOW + 4 * H, NOW)).toBe('14:30 UTC');
    expect(formatUtc(THU_0900, NOW)).toBe('Thu 09:00 UTC');
    expect(formatUtc(NOW + 30 * 24 * H, NOW)).toBe('2026-12-16 10:30 UTC');
  });
});
