import { describe, expect, it } from 'vitest';
import { planAggregateRanges } from './rollup-choice';
import { HOUR_DIMS_GROUP, foldCut, foldRebuildRange, lateItems } from './fold-tier';
import { ZONE_FOLD_TIERS } from './zone-rollups';
import type { RollupContribution } from './rollup-batch';

const H = 3_600_000;
const D = 24 * H;
const T = Date.UTC(2026, 0, 1);
const keyed = { keyIds: [1] };
const spec = (from: number, to: number) => ({
  filter: { from, to, ...keyed },
  dim: 'time' as const,
  buckets: { wholeHours: true, wholeDays: false },
});
const plan = (from: number, to: number, upto?: number) =>
  planAggregateRanges(
    spec(from, to),
    upto === undefined ? undefined : new Map([[HOUR_DIMS_GROUP, upto]]),
  ).ranges.map((r) => [r.kind, (r.from - T) / H, (r.to - T) / H]);

describe('deferred tiers: the cut of a read', () => {
  const from = T + 3 * H + H / 2;
  const to = T + 9 * H + H / 4;

  it('reads the tier below the watermark and raw events from it on', () => {
    expect(plan(from, to, T + 6 * H)).toEqual([
      ['events', 3.5, 4],
      ['rollup', 4, 6],
      ['events', 6, 9.25],
    ]);
    // A watermark inside an hour (never stored, but floored all the same).
    expect(plan(from, to, T + 6 * H + 5)).toEqual(plan(from, to, T + 6 * H));
  });

  it('reads raw events only below a watermark under the range, or without watermarks', () => {
    expect(plan(from, to, T)).toEqual([['events', 3.5, 9.25]]);
    expect(plan(from, to)).toEqual([['events', 3.5, 9.25]]);
    expect(plan(from, to, T + 4 * H)).toEqual([['events', 3.5, 9.25]]);
  });

  it('reads the whole tier when the watermark is past the range', () => {
    const want = [
      ['events', 3.5, 4],
      ['rollup', 4, 9],
      ['events', 9, 9.25],
    ];
    expect(plan(from, to, T + 9 * H)).toEqual(want);
    expect(plan(from, to, T + 30 * D)).toEqual(want);
  });

  it('floors the cut to a day tier’s unit and clamps it to the range', () => {
    const day = { unit: D, fold: HOUR_DIMS_GROUP };
    const marks = new Map([[HOUR_DIMS_GROUP, T + 2 * D + 5 * H]]);
    expect(foldCut(day, marks, T, T + 10 * D)).toBe(T + 2 * D);
    expect(foldCut(day, marks, T + 3 * D, T + 10 * D)).toBe(T + 3 * D);
    expect(foldCut(day, marks, T, T + D)).toBe(T + D);
    expect(foldCut({ unit: H }, marks, T, T + D)).toBe(T + D);
  });

  it('rebuilds only below the watermark; late events are those below it', () => {
    const tier = ZONE_FOLD_TIERS[0]!;
    expect(foldRebuildRange(tier, T + D + 5 * H, T, T + 3 * D)).toEqual({
      u0: T / H,
      u1: (T + D + 5 * H) / H,
      e0: T,
      e1: T + D + 5 * H,
    });
    expect(foldRebuildRange(tier, T, T, T + D)).toBeNull();
    const items = [{ ts: T - 1 }, { ts: T }, { ts: T + 1 }] as RollupContribution[];
    expect(lateItems(items, T).map((c) => c.ts)).toEqual([T - 1]);
    expect(lateItems(items, -Infinity)).toEqual([]);
    expect(lateItems(items, T + 2)).toBe(items);
  });
});
