// Analytics over the hand-computed dataset (see dataset.ts for the table every figure comes from).
import { describe, expect, it } from 'vitest';
import type { PgStoreRepositories } from '../../src/index';
import { dataset, GPT5_PRICE, H, KEY_A, KEY_B, M, T0 } from './dataset';

const DAY = 86_400_000;
const ALL = { from: T0, to: T0 + 2 * DAY };

async function caughtCode(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'no error';
}

export function defineAnalyticsCases(fresh: () => Promise<PgStoreRepositories>): void {
  const loaded = async () => {
    const s = await fresh();
    await s.prices.set('gpt-5', GPT5_PRICE);
    await s.insertBatch(dataset());
    return s;
  };

  describe('analytics', () => {
    it('totals from rollups, from rollups + edge events, and from events only agree', async () => {
      const s = await loaded();
      const t = await s.analytics.totals(ALL);
      expect(t).toEqual({
        requests: 6,
        successes: 4,
        failures: 2,
        successRate: 4 / 6,
        tokens: {
          input: 10_600,
          cacheRead: 1000,
          cacheCreation: 0,
          output: 1000,
          reasoning: 50,
          unclassified: 0,
          total: 12_650,
        },
        costMicros: 20_600,
        unpricedRequests: 2,
        source: 'rollup',
      });
      const edged = await s.analytics.totals({ ...ALL, from: T0 + 5 * M });
      expect({ ...edged, source: 'rollup' }).toEqual(t);
      expect(edged.source).toBe('rollup+events');
      // Whole hour [1h, 2h) from the rollup, the edges (15 min before, 15 min after) from events.
      const mixed = await s.analytics.totals({ from: T0 + 15 * M, to: T0 + 2 * H + 15 * M });
      expect([mixed.requests, mixed.failures, mixed.tokens.total, mixed.costMicros, mixed.source]).toEqual([
        4,
        2,
        2200 + 500 + 4350 + 100,
        4000 + 6600,
        'rollup+events',
      ]);
      const s429 = await s.analytics.totals({ ...ALL, status: 429 });
      expect([s429.requests, s429.failures, s429.source]).toEqual([1, 1, 'events']);
      const gpt = await s.analytics.totals({ ...ALL, model: 'gpt-5' });
      expect([gpt.requests, gpt.costMicros, gpt.unpricedRequests]).toEqual([4, 20_600, 0]);
      const keyModel = await s.analytics.totals({ ...ALL, model: 'gpt-5', apiKeyHash: KEY_B });
      expect([keyModel.requests, keyModel.costMicros, keyModel.source]).toEqual([1, 6600, 'events']);
      const nothing = await s.analytics.totals({ ...ALL, model: 'no-such-model' });
      expect([nothing.requests, nothing.successRate, nothing.costMicros]).toEqual([0, null, 0]);
    });

    it('hourly series (UTC), top-model split and daily series in a +08:00 zone', async () => {
      const s = await loaded();
      const hourly = await s.analytics.timeSeries({ from: T0, to: T0 + 3 * H }, { granularity: 'hour' });
      expect(hourly.points).toEqual([
        { label: '2026-08-20T00:00', startMs: T0, requests: 2, failures: 0, tokens: 3300, costMicros: 6000 },
        {
          label: '2026-08-20T01:00',
          startMs: T0 + H,
          requests: 2,
          failures: 1,
          tokens: 4850,
          costMicros: 6600,
        },
        {
          label: '2026-08-20T02:00',
          startMs: T0 + 2 * H,
          requests: 1,
          failures: 1,
          tokens: 100,
          costMicros: 0,
        },
      ]);
      const split = await s.analytics.timeSeries(
        { from: T0, to: T0 + 3 * H },
        { granularity: 'hour', splitTopModels: 1 },
      );
      expect(split.points).toEqual(hourly.points);
      expect(split.byModel.map((m) => [m.model, m.points.map((p) => p.requests)])).toEqual([
        ['gpt-5', [2, 1, 0]],
      ]);
      const daily = await s.analytics.timeSeries(ALL, { granularity: 'day', timeZone: 'Asia/Shanghai' });
      expect(daily.points.map((p) => [p.label, p.startMs, p.requests])).toEqual([
        ['2026-08-20', T0, 5],
        ['2026-08-21', T0 + 16 * H, 1],
        ['2026-08-22', T0 + 40 * H, 0],
      ]);
    });

    it('heatmap by weekday × hour in UTC and in a local zone', async () => {
      const s = await loaded();
      const nonZero = (cells: { weekday: number; hour: number; requests: number; tokens: number }[]) =>
        cells.filter((c) => c.requests > 0).map((c) => [c.weekday, c.hour, c.requests, c.tokens]);
      const utc = await s.analytics.heatmap({ from: T0, to: T0 + 7 * DAY });
      expect(utc.cells).toHaveLength(168);
      expect(nonZero(utc.cells)).toEqual([
        [4, 0, 2, 3300],
        [4, 1, 2, 4850],
        [4, 2, 1, 100],
        [5, 1, 1, 4400],
      ]);
      const local = await s.analytics.heatmap({ from: T0, to: T0 + 7 * DAY }, { timeZone: 'Asia/Shanghai' });
      expect(nonZero(local.cells)).toEqual([
        [4, 8, 2, 3300],
        [4, 9, 2, 4850],
        [4, 10, 1, 100],
        [5, 9, 1, 4400],
      ]);
    });

    it('breakdowns by model, key, account and provider with sorting and paging', async () => {
      const s = await loaded();
      const byModel = await s.analytics.breakdown(ALL, { by: 'model' });
      expect(
        byModel.rows.map((r) => [r.name, r.label, r.requests, r.failures, r.costMicros, r.unpricedRequests]),
      ).toEqual([
        ['gpt-5', '', 4, 0, 20_600, 0],
        ['claude-x', '', 2, 2, 0, 2],
      ]);
      expect(byModel.rows[0]!.tokens).toEqual({
        input: 10_000,
        cacheRead: 1000,
        cacheCreation: 0,
        output: 1000,
        reasoning: 50,
        unclassified: 0,
        total: 12_050,
      });
      const byKey = await s.analytics.breakdown(ALL, { by: 'key', sort: 'cost', order: 'asc' });
      expect(byKey.rows.map((r) => [r.name, r.label, r.requests, r.costMicros, r.lastSeenMs])).toEqual([
        [KEY_B, 'sk-b…', 2, 6600, T0 + H + 20 * M],
        [KEY_A, 'sk-a…', 4, 14_000, T0 + 25 * H],
      ]);
      const page = await s.analytics.breakdown(ALL, {
        by: 'key',
        sort: 'cost',
        order: 'asc',
        limit: 1,
        offset: 1,
      });
      expect([page.total, page.rows.map((r) => r.name)]).toEqual([2, [KEY_A]]);
      const byAccount = await s.analytics.breakdown(ALL, { by: 'account', sort: 'name' });
      expect(byAccount.rows.map((r) => [r.name, r.label, r.requests, r.failures])).toEqual([
        ['acc1', 'one@example.com', 4, 1],
        ['acc2', 'two@example.com', 2, 1],
      ]);
      const byProvider = await s.analytics.breakdown(ALL, { by: 'provider', sort: 'failures' });
      expect(byProvider.rows.map((r) => [r.name, r.failures])).toEqual([
        ['claude', 2],
        ['codex', 0],
      ]);
      const failedOnly = await s.analytics.breakdown({ ...ALL, status: 'failure' }, { by: 'model' });
      expect(failedOnly.rows.map((r) => [r.name, r.requests])).toEqual([['claude-x', 2]]);
    });

    it('filter options with counts, most used first', async () => {
      const s = await loaded();
      expect(await s.analytics.filterOptions(ALL)).toEqual({
        keys: [
          { hash: KEY_A, label: 'sk-a…', alias: null, count: 4 },
          { hash: KEY_B, label: 'sk-b…', alias: null, count: 2 },
        ],
        accounts: [
          { authIndex: 'acc1', label: 'one@example.com', count: 4 },
          { authIndex: 'acc2', label: 'two@example.com', count: 2 },
        ],
        models: [
          { name: 'gpt-5', count: 4 },
          { name: 'claude-x', count: 2 },
        ],
        providers: [
          { name: 'codex', count: 4 },
          { name: 'claude', count: 2 },
        ],
        upstreams: [{ name: 'default' }],
      });
      const failures = await s.analytics.filterOptions({ ...ALL, status: 'failure' });
      expect(failures.models).toEqual([{ name: 'claude-x', count: 2 }]);
    });

    it('latency percentiles merge from histogram buckets (rollup and raw agree)', async () => {
      const s = await loaded();
      // Bucket representatives: 100→99, 200→197, 400→395, 800→790, 1600→1579, 3200→3158.
      const expected = [
        { name: 'gpt-5', count: 4, percentiles: [197, 3158] },
        { name: 'claude-x', count: 2, percentiles: [395, 1579] },
      ];
      const viaRollup = await s.analytics.latencyPercentiles(ALL);
      expect(viaRollup).toEqual({ rows: expected, source: 'rollup' });
      const viaEvents = await s.analytics.latencyPercentiles({ ...ALL, from: T0 + 5 * M });
      expect(viaEvents).toEqual({ rows: expected, source: 'rollup+events' });
      const all = await s.analytics.latencyPercentiles(ALL, { by: 'none', percentiles: [0.5, 0.95, 1] });
      expect(all.rows).toEqual([{ name: 'all', count: 6, percentiles: [395, 3158, 3158] }]);
      const empty = await s.analytics.latencyPercentiles({ ...ALL, model: 'no-such-model' });
      expect(empty.rows).toEqual([]);
    });

    it('rejects an unknown time zone and a reversed range with typed StoreErrors', async () => {
      const s = await loaded();
      expect(
        await caughtCode(() =>
          s.analytics.timeSeries(ALL, { granularity: 'hour', timeZone: 'Mars/Olympus_Mons' }),
        ),
      ).toBe('invalid_time_zone');
      expect(await caughtCode(() => s.analytics.heatmap(ALL, { timeZone: 'Not/AZone' }))).toBe(
        'invalid_time_zone',
      );
      expect(await caughtCode(() => s.analytics.totals({ from: T0 + H, to: T0 }))).toBe('invalid_query');
      expect(KEY_A).not.toBe(KEY_B);
    });
  });
}
