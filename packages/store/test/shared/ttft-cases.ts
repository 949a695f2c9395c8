// Time to first token (issue #19): percentiles from the TTFT histogram beside the latency one, the same from
// rollups, from rollups + edge events, from raw events only (a key filter) and, on SQLite, from the column
// cache. Events without a reported ttft (0) count for nothing.
import { describe, expect, it } from 'vitest';
import type { PgStoreRepositories } from '../../src/index';
import { dataset, KEY_A, M, T0 } from './dataset';

const DAY = 86_400_000;
const ALL = { from: T0, to: T0 + 2 * DAY };
// Per event of dataset(): #2 and #5 carry no ttft (an older CPA, or a non-streamed answer).
const TTFT = [50, 0, 100, 400, 0, 800];

export function defineTtftCases(fresh: () => Promise<PgStoreRepositories>): void {
  const loaded = async () => {
    const s = await fresh();
    await s.insertBatch(dataset().map((e, i) => ({ ...e, ttftMs: TTFT[i]! })));
    return s;
  };

  describe('time to first token', () => {
    it('percentiles per model and overall, the same from rollups, edge events and raw events', async () => {
      const s = await loaded();
      // Bucket representatives: 50→49, 100→99, 400→395, 800→790.
      const expected = [
        { name: 'gpt-5', count: 3, percentiles: [395, 790] },
        { name: 'claude-x', count: 1, percentiles: [99, 99] },
      ];
      const viaRollup = await s.analytics.latencyPercentiles(ALL, { metric: 'ttft' });
      expect(viaRollup).toEqual({ rows: expected, source: 'rollup' });
      const viaEdges = await s.analytics.latencyPercentiles({ ...ALL, from: T0 + 5 * M }, { metric: 'ttft' });
      expect(viaEdges).toEqual({ rows: expected, source: 'rollup+events' });
      const all = await s.analytics.latencyPercentiles(ALL, { metric: 'ttft', by: 'none' });
      expect(all.rows).toEqual([{ name: 'all', count: 4, percentiles: [99, 790] }]);
      // A key filter has no hourly rollup: raw events, bucketed in SQL.
      const keyA = await s.analytics.latencyPercentiles({ ...ALL, apiKeyHash: KEY_A }, { metric: 'ttft' });
      expect(keyA.source).toBe('events');
      expect(keyA.rows).toEqual([
        { name: 'gpt-5', count: 2, percentiles: [49, 790] },
        { name: 'claude-x', count: 0, percentiles: [null, null] },
      ]);
      // The latency histogram is untouched by the option's default.
      expect((await s.analytics.latencyPercentiles(ALL)).rows[0]).toEqual({ name: 'gpt-5', count: 4, percentiles: [197, 3158] });
      // SQLite's column cache answers the same.
      const cached = s as PgStoreRepositories & { warmCache?: () => Promise<void> };
      if (cached.warmCache) {
        await cached.warmCache();
        const warm = await s.analytics.latencyPercentiles({ ...ALL, apiKeyHash: KEY_A }, { metric: 'ttft' });
        expect(warm).toEqual({ rows: keyA.rows, source: 'cache' });
        expect((await s.analytics.latencyPercentiles(ALL, { metric: 'ttft' })).rows).toEqual(expected);
      }
    });
  });
}
