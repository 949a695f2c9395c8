import { describe, expect, it } from 'vitest';
import { MAX_TIMELINE_BUCKETS, timelineGranularity } from './timeline-granularity';

const H = 3_600_000;
const D = 24 * H;

describe('timelineGranularity', () => {
  it('keeps the asked or default granularity while the bucket count is small', () => {
    expect(timelineGranularity(0, 2 * D, undefined)).toBe('hour');
    expect(timelineGranularity(0, 30 * D, undefined)).toBe('day');
    expect(timelineGranularity(0, 30 * D, 'hour')).toBe('hour');
  });

  it('coarsens hours to days past the bucket cap', () => {
    expect(timelineGranularity(0, (MAX_TIMELINE_BUCKETS + 1) * H, 'hour')).toBe('day');
  });

  it('refuses at once a range too long even for days, naming the limit', () => {
    expect(() => timelineGranularity(0, 1e12, 'hour')).toThrow(/at most 10000 buckets/);
    expect(() => timelineGranularity(0, 8.64e15, undefined)).toThrow(/Narrow from\/to/);
  });
});
