import { describe, expect, it } from 'vitest';
import { planAggregateRanges } from './rollup-choice';

const H = 3_600_000;
const D = 24 * H;
const T = Date.UTC(2026, 0, 1);
/** Every deferred tier folded far ahead (a cut inside the range: the last case). */
const FOLDED = new Map([
  ['day_dims', T + 400 * D],
  ['hour_dims', T + 400 * D],
  ['upstream_dims', T + 400 * D],
]);
const plan = (spec: Parameters<typeof planAggregateRanges>[0], marks: ReadonlyMap<string, number> = FOLDED) =>
  planAggregateRanges(spec, marks).ranges.map((r) => [
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

  it('keeps rollup_hour for hourly or local-zone series', () => {
    const hourly = [
      ['events', '', 3.5, 4],
      ['rollup', '', 4, 122],
      ['events', '', 122, 122.25],
    ];
    expect(plan({ filter, dim: 'time', buckets: { wholeHours: true, wholeDays: false } })).toEqual(hourly);
    expect(plan({ filter, dim: 'time', buckets: { wholeHours: true } })).toEqual(hourly);
    // Percentiles: whole UTC days from the day histograms (migration 0026), edge hours hourly.
    expect(plan({ filter, dim: 'model', histogram: true })).toEqual([
      ['events', '', 3.5, 4],
      ['rollup', '', 4, 24],
      ['rollup', 'rollup_day', 24, 120],
      ['rollup', '', 120, 122],
      ['events', '', 122, 122.25],
    ]);
    // Per key: the daily key rollup as before.
    expect(plan({ filter, dim: 'key' })[1]).toEqual(['rollup', '', 24, 120]);
  });

  it('reads key / account × model from the cross-dimension day tiers, edge partial days from raw events', () => {
    const keyModel = planAggregateRanges({ filter: { ...filter, modelIds: [1] }, dim: 'key' }, FOLDED);
    expect(keyModel.table?.name).toBe('rollup_day_key_model');
    expect(plan({ filter: { ...filter, modelIds: [1] }, dim: 'key' })).toEqual([
      ['events', '', 3.5, 24],
      ['rollup', '', 24, 120],
      ['events', '', 120, 122.25],
    ]);
    expect(planAggregateRanges({ filter: { ...filter, keyIds: [1] }, dim: 'provider' }).table?.name).toBe(
      'rollup_day_key_model',
    );
    expect(planAggregateRanges({ filter: { ...filter, accountIds: [1] }, dim: 'model' }).table?.name).toBe(
      'rollup_day_account_model',
    );
    expect(planAggregateRanges({ filter: { ...filter, modelIds: [1] }, dim: 'account' }).table?.name).toBe(
      'rollup_day_account_model',
    );
    // A single dimension keeps its smaller tier; key × account has no tier (raw events).
    expect(planAggregateRanges({ filter: { ...filter, keyIds: [1] }, dim: 'none' }).table?.name).toBe(
      'rollup_day_key',
    );
    expect(planAggregateRanges({ filter: { ...filter, keyIds: [1] }, dim: 'account' }).table).toBeNull();
    // Percentiles under a key filter: no histogram per key.
    expect(
      planAggregateRanges({ filter: { ...filter, keyIds: [1] }, dim: 'model', histogram: true }).table,
    ).toBeNull();
  });
});

describe('span blocks of the per-key / per-account daily tiers', () => {
  it('reads whole 64-day blocks, then 8-day blocks, then days, then raw-event minutes', () => {
    const E = Date.UTC(1970, 0, 1);
    const DAY = 24 * H;
    // Day 130 + 5 h to day 300 + 2 h: 64-day blocks 192–256, 8-day blocks 136–192 and 256–296, days around.
    const f = { from: E + 130 * DAY + 5 * H, to: E + 300 * DAY + 2 * H, keyIds: [3] };
    const pieces = planAggregateRanges(
      { filter: f, dim: 'model' },
      new Map([['day_dims', E + 400 * DAY]]),
    ).ranges.map((r) => [
      r.kind,
      r.table?.name ?? '',
      r.table && 'span' in r.table ? (r.table as { span: number }).span : 1,
      (r.from - E) / DAY,
      (r.to - E) / DAY,
    ]);
    expect(pieces).toEqual([
      ['events', '', 1, 130 + 5 / 24, 131],
      ['rollup', '', 1, 131, 136],
      ['rollup', 'rollup_span_key_model', 8, 136, 192],
      ['rollup', 'rollup_span_key_model', 64, 192, 256],
      ['rollup', 'rollup_span_key_model', 8, 256, 296],
      ['rollup', '', 1, 296, 300],
      ['events', '', 1, 300, 300 + 2 / 24],
    ]);
  });
});

describe('day-dims tiers below their watermark', () => {
  const filter = { from: T + 3 * H + H / 2, to: T + 5 * D + 2 * H + H / 4 };
  // Folded to day 3 + 5 h: whole days below day 3 from the tiers, the rest hourly (histograms) or raw (cross).
  const marks = new Map([['day_dims', T + 3 * D + 5 * H]]);

  it('cuts the day histograms and the cross tiers at the watermark; nothing folded reads no day-dims tier', () => {
    expect(plan({ filter, dim: 'model', histogram: true }, marks)).toEqual([
      ['events', '', 3.5, 4],
      ['rollup', '', 4, 24],
      ['rollup', 'rollup_day', 24, 72],
      ['rollup', '', 72, 122],
      ['events', '', 122, 122.25],
    ]);
    expect(plan({ filter: { ...filter, modelIds: [1] }, dim: 'key' }, marks)).toEqual([
      ['events', '', 3.5, 24],
      ['rollup', '', 24, 72],
      ['events', '', 72, 122.25],
    ]);
    expect(plan({ filter: { ...filter, modelIds: [1] }, dim: 'key' }, new Map())).toEqual([
      ['events', '', 3.5, 122.25],
    ]);
  });

  it('reads a CPA filter from the CPA tiers in a store of several CPAs, raw events in a store of one', () => {
    const up = { ...filter, upstreamIds: [2] };
    const several = { ...up, severalCpas: true };
    const pick = (spec: Parameters<typeof planAggregateRanges>[0]) => planAggregateRanges(spec, FOLDED).table?.name;
    expect(pick({ filter: up, dim: 'none' })).toBeUndefined();
    expect(pick({ filter: several, dim: 'none' })).toBe('rollup_day_upstream');
    expect(pick({ filter: several, dim: 'provider' })).toBe('rollup_day_upstream');
    expect(pick({ filter: { ...several, keyIds: [1] }, dim: 'none' })).toBe('rollup_day_upstream_key');
    expect(pick({ filter: several, dim: 'account' })).toBe('rollup_day_upstream_account');
    // A UTC daily series (whole days, the edges raw) or an hourly one / one in a local zone (no model split).
    const daily = { wholeHours: true, wholeDays: true };
    expect(plan({ filter: several, dim: 'time', dim2: 'model', buckets: daily })).toEqual([
      ['events', '', 3.5, 24],
      ['rollup', '', 24, 120],
      ['events', '', 120, 122.25],
    ]);
    expect(pick({ filter: several, dim: 'time', buckets: { wholeHours: true } })).toBe('rollup_hour_upstream');
    expect(pick({ filter: several, dim: 'time', dim2: 'model', buckets: { wholeHours: true } })).toBe(
      'rollup_hour_upstream_model',
    );
    // Latency percentiles from its day histograms (TTFT has none).
    const pct = planAggregateRanges({ filter: several, dim: 'model', histogram: true }, FOLDED);
    expect(pct.table?.hist).toBe('rollup_day_upstream_latency');
    expect(pick({ filter: several, dim: 'model', histogram: true, histMetric: 'ttft' })).toBeUndefined();
    // A key × account view has no CPA tier; without a CPA filter the CPA tiers are never read.
    expect(pick({ filter: { ...several, keyIds: [1] }, dim: 'account' })).toBeUndefined();
    expect(pick({ filter, dim: 'account' })).toBe('rollup_day_account');
  });
});
