import { describe, expect, it } from 'vitest';
import { forecastMicros, periodBounds } from './budget-period';

describe('budget periods', () => {
  it('a week runs Monday 00:00 UTC to the next Monday; a month the 1st to the 1st', () => {
    // Sunday 2026-12-06 23:59 UTC belongs to the week of Monday 2026-11-30.
    expect(periodBounds('week', Date.UTC(2026, 11, 6, 23, 59))).toEqual({ startMs: Date.UTC(2026, 10, 30), endMs: Date.UTC(2026, 11, 7) });
    expect(periodBounds('week', Date.UTC(2026, 11, 7))).toEqual({ startMs: Date.UTC(2026, 11, 7), endMs: Date.UTC(2026, 11, 14) });
    expect(periodBounds('month', Date.UTC(2026, 11, 31, 23))).toEqual({ startMs: Date.UTC(2026, 11, 1), endMs: Date.UTC(2027, 0, 1) });
    expect(periodBounds('month', Date.UTC(2028, 1, 29))).toEqual({ startMs: Date.UTC(2028, 1, 1), endMs: Date.UTC(2028, 2, 1) });
  });

  it('projects the burn rate so far over the whole period, counting at least one hour elapsed', () => {
    const b = periodBounds('week', Date.UTC(2026, 11, 7));
    // $1 after one day of a seven-day week → $7.
    expect(forecastMicros(1_000_000, b, b.startMs + 86_400_000)).toBe(7_000_000);
    // One minute in: treated as one hour (168 hours in a week).
    expect(forecastMicros(1_000, b, b.startMs + 60_000)).toBe(168_000);
    expect(forecastMicros(0, b, b.startMs + 60_000)).toBe(0);
    expect(forecastMicros(5, b, b.endMs)).toBe(5);
  });
});
