// Views no rollup answers (key × account breakdowns, percentiles under a key / account filter, filter options
// under a key / account filter) over a range that starts before the column cache's window: SQL reads only the
// events older than the window and the cache the rest; the figures equal those of a store without a cache.
import { describe, expect, it } from 'vitest';
import { openStore, type UsageEventInput } from '../src/index';
import { hash } from './helpers/events';
import { scaleEvents, skKeys, twoModels } from './helpers/scale-events';
import { tempStores } from './helpers/temp-stores';

const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const KEY = 'cd'.repeat(32);
const temp = tempStores();

/** 1,200 events, one every 7 minutes: three keys, five accounts, two models, some late ids and failures. */
const events = (): UsageEventInput[] =>
  scaleEvents(1200, {
    start: T0,
    stepMs: 7 * 60_000,
    lateIds: true,
    models: twoModels('claude-x'),
    keys: skKeys(3),
    accounts: 5,
    fail: { every: 11, status: 429 },
    tokens: 'cycling',
    more: (i) => ({ latencyMs: 200 + ((i * 37) % 5000), ttftMs: i % 4 ? 50 + ((i * 13) % 900) : 0 }),
  });

describe('views past the cache window (SQL before its floor, the cache after)', () => {
  it('key × account breakdowns, percentiles and filter options equal a store without a cache', async () => {
    const path = temp.path('cpamp-cachetail-');
    const writer = await openStore({ path, dataKey: KEY, columnCache: false });
    await writer.insertBatch(events());
    await writer.close();
    const windowed = await temp.open({ path, dataKey: KEY, columnCacheMaxEvents: 400, cacheSnapshot: false });
    const plain = await temp.open({ path, dataKey: KEY, columnCache: false, cacheSnapshot: false });
    await windowed.warmCache();

    const end = T0 + 1200 * 7 * 60_000;
    const strip = <T extends { source?: unknown }>(x: T) => ({ ...x, source: undefined });
    for (const range of [
      { from: T0, to: end },
      { from: T0 + 3 * 3_600_000 + 11, to: end - 5 * 60_000 },
    ]) {
      for (const f of [
        { ...range, apiKeyHash: hash('sk-key-1') },
        { ...range, authIndex: 'acc2' },
        { ...range, apiKeyHash: hash('sk-key-2'), authIndex: ['acc1', 'acc3'] },
      ]) {
        for (const by of ['key', 'account', 'model', 'provider'] as const)
          expect(strip(await windowed.analytics.breakdown(f, { by }))).toEqual(
            strip(await plain.analytics.breakdown(f, { by })),
          );
        for (const metric of ['latency', 'ttft'] as const)
          for (const by of ['model', 'none'] as const)
            expect(strip(await windowed.analytics.latencyPercentiles(f, { by, metric }))).toEqual(
              strip(await plain.analytics.latencyPercentiles(f, { by, metric })),
            );
        expect(await windowed.analytics.filterOptions(f)).toEqual(await plain.analytics.filterOptions(f));
        for (const timeZone of ['UTC', 'Asia/Shanghai'])
          for (const granularity of ['day', 'hour'] as const)
            expect(
              strip(await windowed.analytics.timeSeries(f, { granularity, timeZone, splitTopModels: 2 })),
            ).toEqual(
              strip(await plain.analytics.timeSeries(f, { granularity, timeZone, splitTopModels: 2 })),
            );
      }
      // A status-code filter: no rollup keeps it, so raw events (and the cache past its floor) answer.
      const st = { ...range, status: 429 };
      expect(strip(await windowed.analytics.breakdown(st, { by: 'account' }))).toEqual(
        strip(await plain.analytics.breakdown(st, { by: 'account' })),
      );
      expect(strip(await windowed.analytics.heatmap(st, { timeZone: 'America/New_York' }))).toEqual(
        strip(await plain.analytics.heatmap(st, { timeZone: 'America/New_York' })),
      );
      expect(strip(await windowed.analytics.timeSeries(st, { granularity: 'day' }))).toEqual(
        strip(await plain.analytics.timeSeries(st, { granularity: 'day' })),
      );
    }
  });
});
