import { describe, expect, it } from 'vitest';
import { pickRollup, pickZoneRollup, type RollupQuery } from './rollup-choice';

const T = Date.UTC(2026, 0, 1);
const filter = { from: T, to: T + 30 * 86_400_000 };
const zone = { wholeHours: true, wholeDays: false };
const name = (q: RollupQuery) => pickZoneRollup(q)?.name ?? null;

describe('zone hour tiers: which time views read them', () => {
  it('picks the total, key, account or model tier for whole-hour zones', () => {
    expect(name({ filter, dim: 'time', buckets: zone })).toBe('rollup_hour_total');
    expect(name({ filter: { ...filter, status: 'failure' }, dim: 'time', buckets: zone })).toBe(
      'rollup_hour_total',
    );
    expect(name({ filter: { ...filter, keyIds: [1, 2] }, dim: 'time', buckets: zone })).toBe(
      'rollup_hour_key',
    );
    expect(name({ filter: { ...filter, accountIds: [3] }, dim: 'time', buckets: zone })).toBe(
      'rollup_hour_account',
    );
    expect(name({ filter, dim: 'time', dim2: 'model', buckets: zone })).toBe('rollup_hour_model');
    expect(name({ filter: { ...filter, modelIds: [1] }, dim: 'time', buckets: zone })).toBe(
      'rollup_hour_model',
    );
    // Key / account filters also in UTC daily buckets (rollup_day_key is not used for time views).
    expect(
      name({
        filter: { ...filter, keyIds: [1] },
        dim: 'time',
        buckets: { wholeHours: true, wholeDays: true },
      }),
    ).toBe('rollup_hour_key');
    expect(pickRollup({ filter, dim: 'time', buckets: zone })?.name).toBe('rollup_hour_total');
  });

  it('leaves everything the tiers cannot answer exactly to the older paths', () => {
    // Half-hour zones, UTC daily (rollup_day), histograms, non-time views, provider / upstream / exact status filters.
    expect(name({ filter, dim: 'time', buckets: { wholeHours: false } })).toBeNull();
    expect(name({ filter, dim: 'time', buckets: { wholeHours: true, wholeDays: true } })).toBeNull();
    expect(
      name({ filter, dim: 'time', dim2: 'model', buckets: { wholeHours: true, wholeDays: true } }),
    ).toBeNull();
    expect(name({ filter, dim: 'time', buckets: zone, histogram: true })).toBeNull();
    expect(name({ filter, dim: 'key' })).toBeNull();
    expect(name({ filter: { ...filter, providerIds: [1] }, dim: 'time', buckets: zone })).toBeNull();
    expect(name({ filter: { ...filter, upstreamIds: [1] }, dim: 'time', buckets: zone })).toBeNull();
    expect(name({ filter: { ...filter, status: 500 }, dim: 'time', buckets: zone })).toBeNull();
    // Two dimensions no tier has together.
    expect(
      name({ filter: { ...filter, keyIds: [1], accountIds: [2] }, dim: 'time', buckets: zone }),
    ).toBeNull();
    expect(
      name({ filter: { ...filter, keyIds: [1] }, dim: 'time', dim2: 'model', buckets: zone }),
    ).toBeNull();
    expect(
      name({ filter: { ...filter, status: 'success' }, dim: 'time', dim2: 'model', buckets: zone }),
    ).toBeNull();
  });
});
