import { describe, expect, it } from 'vitest';
import { planAggregateRanges } from './rollup-choice';

const H = 3_600_000;
const D = 24 * H;
const T = Date.UTC(2026, 0, 1);
const plan = (spec: Parameters<typeof planAggregateRanges>[0]) =>
  planAggregateRanges(spec).ranges.map((r) => [
    r.kind,
    r.table?.name ?? '',
    (r.from - T) / H,
    (r.to - T) / H,
  ]);

describe('rollup choice over long ranges', () => {
  const filter = { from: T + 3 * H + H / 2, to: T + 5 * D + 2 * H + H / 4 };

  it('reads whole UTC days from rollup_day, edge hours from rollup_hour, edge minutes from raw events', () => {
    const want = [
      ['events', '', 3.5, 4],
      ['rollup', '', 4, 24],
      ['rollup', 'rollup_day', 24, 120],
      ['rollup', '', 120, 122],
      ['events', '', 122, 122.25],
    ];
    expect(plan({ filter, dim: 'none' })).toEqual(want);
    expect(plan({ filter, dim: 'model' })).toEqual(want);
    expect(
      plan({ filter, dim: 'time', dim2: 'model', buckets: { wholeHours: true, wholeDays: true } }),
    ).toEqual(want);
  });

  it('keeps rollup_hour for hourly or local-zone series and for histograms', () => {
    const hourly = [
      ['events', '', 3.5, 4],
      ['rollup', '', 4, 122],
      ['events', '', 122, 122.25],
    ];
    expect(plan({ filter, dim: 'time', buckets: { wholeHours: true, wholeDays: false } })).toEqual(hourly);
    expect(plan({ filter, dim: 'time', buckets: { wholeHours: true } })).toEqual(hourly);
    expect(plan({ filter, dim: 'model', histogram: true })).toEqual(hourly);
    // Per key: the daily key rollup as before.
    expect(plan({ filter, dim: 'key' })[1]).toEqual(['rollup', '', 24, 120]);
  });
});
