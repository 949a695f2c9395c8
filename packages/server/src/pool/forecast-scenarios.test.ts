// Hand-built pools, as an operator meets them: the verdict and its time must be right, not merely present.
import { describe, expect, it } from 'vitest';
import {
  forecastMessage,
  percentPerHour,
  poolForecast,
  type ForecastWindow,
  type PoolMember,
  type WindowPoint,
} from './forecast';

const H = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 20, 0);
const idleBurn = { requests: 0, tokens: 0, costMicros: 0 };

describe('forecast scenarios', () => {
  it('an idle pool is safe, whatever is left', () => {
    const m = (used: number): PoolMember => ({
      usable: true,
      windows: [
        { window: '5h', usedPercent: used, resetAtMs: NOW + 2 * H, observedAtMs: NOW, ratePerHour: 0 },
        {
          window: 'weekly',
          usedPercent: used,
          resetAtMs: NOW + 70 * H,
          observedAtMs: NOW,
          ratePerHour: null,
        },
      ],
      burn: idleBurn,
    });
    const f = poolForecast([m(28), m(95), m(60)], NOW);
    expect(f).toMatchObject({ verdict: 'safe', reason: 'idle', exhaustAtMs: null });
    expect(forecastMessage('codex', 'pro', f, NOW)).toBe('Codex (pro) pool is safe: no quota is being used.');
  });

  it('a reset before exhaustion is safe (the demo case: 72 % left, 5h reset at 23:33, dry at 23:38)', () => {
    const reset = Date.UTC(2026, 11, 7, 23, 33);
    const dry = Date.UTC(2026, 11, 7, 23, 38);
    // 72 % left burnt in 3 h 38 min: 72 / (218 / 60) %/h.
    const rate = 72 / ((dry - NOW) / H);
    const f = poolForecast(
      [
        {
          usable: true,
          windows: [
            { window: '5h', usedPercent: 28, resetAtMs: reset, observedAtMs: NOW, ratePerHour: rate },
          ],
          burn: { requests: 0.5, tokens: 400, costMicros: 10 },
        },
      ],
      NOW,
    );
    expect(f).toMatchObject({
      verdict: 'safe',
      reason: 'reset-first',
      exhaustAtMs: null,
      nextResetAtMs: reset,
    });
    expect(f.dryAtMs).toBe(dry);
    expect(forecastMessage('codex', 'pro', f, NOW)).toBe(
      'Codex (pro) pool is safe: the 5h quota resets 23:33 UTC, before it would run dry (23:38 UTC).',
    );
  });

  it('one heavy key draining a plan is at risk, at the time it will run dry, then empty until the reset', () => {
    const weeklyReset = NOW + 60 * H;
    const fiveReset = NOW + 4 * H;
    // Three pro accounts; a heavy key started 2 h ago and drains each weekly window by 12 %/h (40 % → 64 %).
    // Its 5h windows grow 10 %/h from 30 %: 3 × 70 % left at 30 %/h outlasts the 5h reset in 4 h.
    const history: WindowPoint[] = [{ tMs: NOW - 2 * H, usedPercent: 40, resetAtMs: weeklyReset }];
    const weeklyRate = percentPerHour(history, { tMs: NOW, usedPercent: 64, resetAtMs: weeklyReset }, NOW);
    expect(weeklyRate).toBe(12);
    const account = (usedWeekly: number, used5h: number, t: number): PoolMember => ({
      usable: true,
      windows: [
        {
          window: 'weekly',
          usedPercent: usedWeekly,
          resetAtMs: weeklyReset,
          observedAtMs: t,
          ratePerHour: weeklyRate,
        },
        { window: '5h', usedPercent: used5h, resetAtMs: fiveReset, observedAtMs: t, ratePerHour: 10 },
      ] satisfies ForecastWindow[],
      burn: { requests: 40, tokens: 400_000, costMicros: 2_000_000 },
    });
    const before = poolForecast(
      [0, 1, 2].map(() => ({
        ...account(40, 10, NOW - 2 * H),
        windows: account(40, 10, NOW - 2 * H).windows.map((w) => ({ ...w, ratePerHour: 0 })),
      })),
      NOW - 2 * H,
    );
    expect(before.verdict).toBe('safe');
    // Now: 3 × 36 % left at 3 × 12 %/h = 3 h, long before the weekly reset in 60 h.
    const now = poolForecast(
      [0, 1, 2].map(() => account(64, 30, NOW)),
      NOW,
    );
    expect(now).toMatchObject({
      verdict: 'at-risk',
      reason: 'runs-dry',
      bindingWindow: 'weekly',
      exhaustAtMs: NOW + 3 * H,
      nextResetAtMs: weeklyReset,
    });
    expect(forecastMessage('codex', 'pro', now, NOW)).toBe(
      'Codex (pro) pool runs dry 23:00 UTC at the current pace, before the weekly reset Thu 08:00 UTC.',
    );
    // Three hours on, every weekly window is full: empty until the weekly reset, never a "runs out" time in the past.
    const later = NOW + 3 * H;
    const drained = poolForecast(
      [0, 1, 2].map(() => account(100, 60, later)),
      later,
    );
    expect(drained).toMatchObject({
      verdict: 'empty',
      reason: 'empty',
      exhaustAtMs: null,
      emptyUntilMs: weeklyReset,
    });
    expect(forecastMessage('codex', 'pro', drained, later)).toBe(
      'Codex (pro) pool is empty until Thu 08:00 UTC, when the first weekly quota resets.',
    );
  });
});
