import { describe, expect, it } from 'vitest';
import { linePaths, nearestIndex, placeMarkers, timeDomain, timeTicks, xOf, yOf, type Frame } from './time-chart';

const f: Frame = { width: 100, height: 50, t0: 0, t1: 1000, yMax: 100 };

describe('time chart geometry', () => {
  it('spans every point and marker, padding a single instant', () => {
    expect(timeDomain([{ name: 'a', color: '', points: [{ tMs: 100, value: 1 }, { tMs: 300, value: null }, { tMs: 200, value: 2 }] }], [500])).toEqual([100, 500]);
    expect(timeDomain([{ name: 'a', color: '', points: [{ tMs: 0, value: null }] }])).toBeNull();
    expect(timeDomain([{ name: 'a', color: '', points: [{ tMs: 10_000_000, value: 5 }] }])).toEqual([8_200_000, 11_800_000]);
  });

  it('maps time to x and percent to y (clamped)', () => {
    expect(xOf(f, 500)).toBe(50);
    expect(yOf(f, 100)).toBe(0);
    expect(yOf(f, 0)).toBe(50);
    expect(yOf(f, 150)).toBe(0);
  });

  it('draws past points solid and projected points dashed from the last past point', () => {
    const p = linePaths(f, [
      { tMs: 0, value: 100 },
      { tMs: 500, value: 50 },
      { tMs: 750, value: 20, projected: true },
      { tMs: 1000, value: 0, projected: true },
    ]);
    expect(p.solid).toBe('M0.0,0.0L50.0,25.0');
    expect(p.dashed).toBe('M50.0,25.0L75.0,40.0L100.0,50.0');
  });

  it('breaks lines at null values and sorts by time', () => {
    const p = linePaths(f, [
      { tMs: 1000, value: 0 },
      { tMs: 0, value: 100 },
      { tMs: 500, value: null },
    ]);
    expect(p.solid).toBe('M0.0,0.0M100.0,50.0');
    expect(p.dashed).toBe('');
  });

  it('spreads ticks and finds the nearest point', () => {
    expect(timeTicks(0, 240_000, 3)).toEqual([0, 120_000, 240_000]);
    expect(timeTicks(5, 5, 4)).toEqual([5]);
    expect(nearestIndex([{ tMs: 0, value: 1 }, { tMs: 100, value: null }, { tMs: 200, value: 3 }], 110)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
  });

  it('merges close markers, flips labels at the right edge and drops overlapping ones', () => {
    const wide: Frame = { ...f, width: 1000 };
    // 'a' is 6 px per char + 6 = 12 px wide.
    expect(placeMarkers(wide, [{ tMs: 500, label: 'b' }, { tMs: 0, label: 'a' }, { tMs: 501, label: 'dup' }, { tMs: 510, label: 'c' }, { tMs: 995, label: 'edge' }, { tMs: 2000, label: 'out' }])).toEqual([
      { x: 0, label: 'a', anchor: 'start' },
      { x: 500, label: 'b', anchor: 'start' },
      { x: 510, label: null, anchor: 'start' },
      { x: 995, label: 'edge', anchor: 'end' },
    ]);
  });
});
