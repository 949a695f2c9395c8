// Views no rollup answers (key × account breakdowns, percentiles under a key / account filter, filter options
// under a key / account filter) over a range that starts before the column cache's window: SQL reads only the
// events older than the window and the cache the rest; the figures equal those of a store without a cache.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store, type UsageEventInput } from '../src/index';
import { makeEvent } from './helpers/events';

const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const KEY = 'cd'.repeat(32);
const stores: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hash = (k: string) => createHash('sha256').update(k).digest('hex');

/** 1,200 events, one every 7 minutes: three keys, five accounts, two models, some late ids and failures. */
const events = (): UsageEventInput[] =>
  Array.from({ length: 1200 }, (_, i) =>
    makeEvent({
      timestampMs: T0 + (i % 50 === 49 ? i - 40 : i) * 7 * 60_000,
      model: i % 3 ? 'gpt-5' : 'claude-x',
      authIndex: `acc${i % 5}`,
      apiKeyHash: hash(`sk-key-${i % 3}`),
      failed: i % 11 === 0,
      statusCode: i % 11 === 0 ? 429 : 200,
      inputTokens: 100 + i,
      outputTokens: 10 + (i % 17),
      latencyMs: 200 + ((i * 37) % 5000),
      ttftMs: i % 4 ? 50 + ((i * 13) % 900) : 0,
    }),
  );

describe('views past the cache window (SQL before its floor, the cache after)', () => {
  it('key × account breakdowns, percentiles and filter options equal a store without a cache', async () => {
    const d = mkdtempSync(join(tmpdir(), 'cpamp-cachetail-'));
    dirs.push(d);
    const path = join(d, 'usage.sqlite');
    const writer = await openStore({ path, dataKey: KEY, columnCache: false });
    await writer.insertBatch(events());
    await writer.close();
    const windowed = await openStore({ path, dataKey: KEY, columnCacheMaxEvents: 400, cacheSnapshot: false });
    const plain = await openStore({ path, dataKey: KEY, columnCache: false, cacheSnapshot: false });
    stores.push(windowed, plain);
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
