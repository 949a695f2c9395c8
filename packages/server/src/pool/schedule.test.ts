import { describe, expect, it } from 'vitest';
import { lastTimePoint, scheduleDue, zonedToEpoch } from './schedule';

const base = {
  inspectionSchedule: 'time-points' as const,
  inspectionIntervalMinutes: 0,
  inspectionTimePoints: ['09:00', '21:30'],
  inspectionTimeZone: 'Asia/Shanghai',
};

describe('inspection schedule', () => {
  it('places wall-clock points in the zone (Shanghai is UTC+8; New York changes with DST)', () => {
    expect(zonedToEpoch(Date.UTC(2026, 11, 7, 9, 0), 'Asia/Shanghai')).toBe(Date.UTC(2026, 11, 7, 1, 0));
    expect(zonedToEpoch(Date.UTC(2026, 6, 1, 9, 0), 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 13, 0));
    expect(zonedToEpoch(Date.UTC(2026, 11, 1, 9, 0), 'America/New_York')).toBe(Date.UTC(2026, 11, 1, 14, 0));
  });
  it("finds the latest point at or before now, yesterday's when today has none yet", () => {
    // 00:30 UTC = 08:30 Shanghai: today's 09:00 is ahead, yesterday's 21:30 (13:30 UTC) is the last.
    expect(
      lastTimePoint(base.inspectionTimePoints, base.inspectionTimeZone, Date.UTC(2026, 11, 7, 0, 30)),
    ).toBe(Date.UTC(2026, 11, 6, 13, 30));
    expect(
      lastTimePoint(base.inspectionTimePoints, base.inspectionTimeZone, Date.UTC(2026, 11, 7, 1, 0)),
    ).toBe(Date.UTC(2026, 11, 7, 1, 0));
    expect(lastTimePoint([], 'UTC', 0)).toBeNull();
  });
  it('is due once per passed point', () => {
    const at0900 = Date.UTC(2026, 11, 7, 1, 0);
    expect(scheduleDue(base, at0900 - 60_000, at0900)).toBe(true);
    expect(scheduleDue(base, at0900, at0900 + 3_600_000)).toBe(false);
    expect(scheduleDue(base, undefined, at0900)).toBe(false);
  });
  it('keeps the interval mode', () => {
    const p = { ...base, inspectionSchedule: 'interval' as const, inspectionIntervalMinutes: 30 };
    expect(scheduleDue(p, 0, 29 * 60_000)).toBe(false);
    expect(scheduleDue(p, 0, 30 * 60_000)).toBe(true);
  });
});
