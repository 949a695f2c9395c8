// Every analytics view and the event list under an upstream (CPA) filter must equal the raw answer: the same
// view, unfiltered, over a store holding only that CPA's events. On SQLite the filtered views run once with the
// whole log in the column cache, and once with a small cache window (older ranges: SQL over raw events);
// on Postgres they are SQL (the partial index of migration 0024). After the fold, the CPA tiers (migration 0033)
// answer the whole days and hours below the watermark, also after re-pricing.
import { describe, expect, it } from 'vitest';
import type { AnalyticsFilter, PgStoreRepositories, UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { GPT5_PRICE, H, KEY_A, KEY_B, M, T0 } from './dataset';
import { warmIfCached } from '../helpers/warm-cache';

const DAY = 24 * H;
/** gemini-y stays unpriced. */
const CLAUDE_PRICE = { input: 3, output: 15 };
/** The re-priced case: claude-x costs this from mid-range on. */
const CLAUDE_LATER = { input: 4, output: 11, cacheRead: 0.4 };
const CHANGE = T0 + 4 * DAY + 7 * H;
const UPSTREAMS = ['default', 'east', 'west'] as const;
const COUNT = 180;
/** Starts and ends mid-hour: raw-event edges around whole hours and days. */
const ALL = { from: T0 + 20 * M, to: T0 + 9 * DAY + 13 * H + 40 * M };
/** The last ~2 days: inside a cache window of the newest 50 events. */
const RECENT = { from: T0 + 8 * DAY + 2 * H, to: ALL.to };

/** Nine days of traffic over three CPAs, two keys, three models, two accounts; some failures, some unpriced. */
function traffic(): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  for (let i = 0; i < COUNT; i++) {
    // Uneven shares everywhere: rows ordered by a tie would follow dictionary ids, which differ per store.
    const model = ['gpt-5', 'claude-x', 'gemini-y', 'gpt-5', 'claude-x', 'gpt-5'][i % 6]!;
    const upstream = UPSTREAMS[(Math.imul(i + 1, 2654435761) >>> 0) % 3]!;
    const failed = i % 11 === 0;
    out.push(
      makeEvent({
        dedupKey: `${(0x700000 + i).toString(16).padStart(8, '0')}${'cd'.repeat(12)}`,
        requestId: (0xe0000000 + i).toString(16),
        timestampMs: T0 + Math.floor((i * 9.5 * DAY) / COUNT) + (i % 7) * M,
        ...(upstream === 'default' ? {} : { upstream }),
        model,
        alias: model,
        provider: model === 'gpt-5' ? 'codex' : model === 'claude-x' ? 'claude' : 'gemini',
        apiKeyHash: i % 5 < 2 ? KEY_A : KEY_B,
        apiKeyLabel: i % 5 < 2 ? 'sk-a…' : 'sk-b…',
        authIndex: `acc${1 + (i % 4 === 0 ? 1 : 0)}`,
        failed,
        statusCode: failed ? 429 : 200,
        latencyMs: 50 + ((i * 37) % 4000),
        ttftMs: failed ? 0 : 10 + ((i * 13) % 900),
        inputTokens: 1000 + i,
        cacheReadTokens: 3 * i,
        outputTokens: 100 + i,
        reasoningTokens: i % 5,
      }),
    );
  }
  return out;
}

/** An answer without sources and dictionary ids (the two stores number their dictionaries differently). */
function plain(x: unknown, noVersion = false): unknown {
  // A by-account row's CPA (`upstream` beside a `label`) is there only in a store of several CPAs.
  return JSON.parse(JSON.stringify(x), function (this: object, k: string, v: unknown) {
    // noVersion: after re-pricing, an event's price version counts the price changes its own store saw.
    return k === 'source' ||
      k === 'id' ||
      (k === 'upstream' && 'label' in this) ||
      (noVersion && k === 'priceVersion')
      ? undefined
      : v;
  });
}

type Views = Record<string, (s: PgStoreRepositories, f: AnalyticsFilter) => Promise<unknown>>;

const VIEWS: Views = {
  totals: (s, f) => Promise.resolve(s.analytics.totals(f)),
  seriesHour: (s, f) => Promise.resolve(s.analytics.timeSeries(f, { granularity: 'hour' })),
  seriesDaySplit: (s, f) =>
    Promise.resolve(
      s.analytics.timeSeries(f, { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 2 }),
    ),
  byKey: (s, f) => Promise.resolve(s.analytics.breakdown(f, { by: 'key' })),
  byAccount: (s, f) => Promise.resolve(s.analytics.breakdown(f, { by: 'account', sort: 'tokens' })),
  byModel: (s, f) => Promise.resolve(s.analytics.breakdown(f, { by: 'model', sort: 'cost' })),
  byProvider: (s, f) => Promise.resolve(s.analytics.breakdown(f, { by: 'provider' })),
  filterOptions: async (s, f) => {
    const { upstreams: _u, ...rest } = await s.analytics.filterOptions(f);
    return rest;
  },
  latency: (s, f) => Promise.resolve(s.analytics.latencyPercentiles(f)),
  ttft: (s, f) => Promise.resolve(s.analytics.latencyPercentiles(f, { metric: 'ttft', by: 'none' })),
  heatmap: (s, f) => Promise.resolve(s.analytics.heatmap(f, { timeZone: 'America/New_York' })),
  matrix: (s, f) => Promise.resolve(s.analytics.matrix(f, { by: 'key', rows: 5, columns: 5 })),
  failedByModel: (s, f) =>
    Promise.resolve(s.analytics.breakdown({ ...f, status: 'failure' }, { by: 'model', sort: 'name' })),
  eventPage: async (s, f) => (await s.events.list(f, { limit: 25 })).events,
  usagePayload: (s, f) => payload(s, f),
  usagePayload20: (s, f) => payload(s, f, 20),
};

/** Plus's `/usage` snapshot of the filter's range and CPAs, parsed. */
async function payload(s: PgStoreRepositories, f: AnalyticsFilter, limit?: number): Promise<unknown> {
  let text = '';
  for await (const c of s.io.usagePayload({
    from: f.from,
    to: f.to,
    ...(limit ? { limit } : {}),
    ...(f.upstream ? { upstream: f.upstream } : {}),
  }))
    text += c;
  return JSON.parse(text);
}

export function defineUpstreamViewCases(
  fresh: (opts?: { columnCacheMaxEvents?: number }) => Promise<PgStoreRepositories>,
): void {
  describe('views under an upstream filter', () => {
    const check = async (opts: { columnCacheMaxEvents?: number }, then: 'fold' | 'reprice' | null = null) => {
      const events = traffic();
      const s = await fresh(opts);
      await s.prices.set('gpt-5', GPT5_PRICE);
      await s.prices.set('claude-x', CLAUDE_PRICE);
      await s.insertBatch(events);
      if (then) await s.maintenance.foldRollups();
      if (then === 'reprice') {
        await s.prices.apply('claude-x', CLAUDE_LATER, { effectiveFrom: CHANGE });
        for (let afterId = 0, done = false; !done;) {
          const r = await s.events.repriceChunk({ models: null, fromMs: CHANGE, afterId, span: 40 });
          afterId = r.lastId;
          done = r.done;
        }
      }
      await warmIfCached(s);
      // The oracle: each CPA's events alone, read without a filter.
      for (const up of [...UPSTREAMS, ['east', 'west']] as const) {
        const names: readonly string[] = typeof up === 'string' ? [up] : up;
        const only = await fresh();
        await only.prices.set('gpt-5', GPT5_PRICE);
        await only.prices.set('claude-x', CLAUDE_PRICE);
        if (then === 'reprice') await only.prices.apply('claude-x', CLAUDE_LATER, { effectiveFrom: CHANGE });
        await only.insertBatch(events.filter((e) => names.includes(e.upstream ?? 'default')));
        await warmIfCached(only);
        for (const range of [ALL, RECENT])
          for (const [name, view] of Object.entries(VIEWS)) {
            const got = plain(
              await view(s, { ...range, upstream: typeof up === 'string' ? up : [...up] }),
              then === 'reprice',
            );
            const want = plain(await view(only, range), then === 'reprice');
            expect(got, `${name} upstream=${names.join(',')} ${range === ALL ? 'all' : 'recent'}`).toEqual(
              want,
            );
          }
      }
      return s;
    };

    it('every view filtered by CPA equals the raw answer (whole log cached on SQLite)', async () => {
      const s = await check({});
      // Sanity: the filter does select (three CPAs share the traffic).
      const t = await s.analytics.totals({ ...ALL, upstream: 'east' });
      expect(t.requests).toBeGreaterThan(COUNT / 4);
      expect(t.requests).toBeLessThan(COUNT / 2);
      if ((s as { warmCache?: unknown }).warmCache) expect(t.source).toBe('cache');
    });

    it('the same with a small cache window: recent ranges in memory, older ones from SQL', async () => {
      // Postgres has no column cache: the case above already read everything from SQL.
      if (!('warmCache' in (await fresh()))) return;
      const s = await check({ columnCacheMaxEvents: 50 });
      if ((s as { warmCache?: unknown }).warmCache) {
        expect((await s.analytics.totals({ ...RECENT, upstream: 'west' })).source).toBe('cache');
        expect((await s.analytics.totals({ ...ALL, upstream: 'west' })).source).toBe('events');
      }
    });

    for (const then of ['fold', 'reprice'] as const)
      it(`older ranges from the CPA tiers after the fold${then === 'reprice' ? ', and after re-pricing' : ''}`, async () => {
        const s = await check({ columnCacheMaxEvents: 50 }, then);
        // Whole days from the tiers, the edges from raw events (or the cache).
        for (const f of [{}, { apiKeyHash: KEY_A }, { authIndex: 'acc1' }, { model: 'claude-x' }])
          expect(
            (await s.analytics.totals({ ...ALL, ...f, upstream: 'west' })).source,
            JSON.stringify(f),
          ).toBe('rollup+events');
        const heat = await s.analytics.heatmap(
          { ...ALL, upstream: ['east', 'west'] },
          { timeZone: 'Asia/Tokyo' },
        );
        expect(heat.source).toBe('rollup+events');
        const west = { ...ALL, upstream: 'west' };
        const split = await s.analytics.timeSeries(west, {
          granularity: 'day',
          timeZone: 'Asia/Shanghai',
          splitTopModels: 2,
        });
        expect(split.source).toBe('rollup+events');
        expect((await s.analytics.latencyPercentiles(west)).source).toBe('rollup+events');
        // The CPAs' totals add up to the unfiltered ones (the rollups without a CPA).
        const cost = async (f: AnalyticsFilter) => (await s.analytics.totals(f)).costMicros;
        let sum = 0;
        for (const up of UPSTREAMS) sum += await cost({ ...ALL, upstream: up });
        expect(sum).toBe(await cost(ALL));
      });
  });
}
