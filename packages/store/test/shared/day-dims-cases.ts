// Long ranges answered from the cross-dimension daily tiers (UTC day × key × model, day × account × model;
// migration 0026) and the day latency / TTFT histograms must equal the same range read from raw events only.
// The ranges start and end mid-day: partial days come from raw events (or, for percentiles, edge hours from
// the hourly histograms). An upstream filter forces the raw path (in a store of one CPA no tier answers it)
// without changing the answer: every event here comes from the default CPA.
import { describe, expect, it } from 'vitest';
import type { AnalyticsFilter, PgStoreRepositories, UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { GPT5_PRICE, H, KEY_A, KEY_B, M, T0 } from './dataset';
import type { SuiteOpenOptions } from './repository-suite';

const DAY = 24 * H;
const KEY_C = 'c'.repeat(64);
const RANGE = { from: T0 + 5 * H + 40 * M, to: T0 + 8 * DAY + 17 * H + 20 * M };
const raw = (f: AnalyticsFilter): AnalyticsFilter => ({ ...f, upstream: 'default' });
const MODELS = [
  ['gpt-5', 'codex'],
  ['claude-x', 'claude'],
  ['gemini-y', 'gemini'],
] as const;

/** `days` days, a few hours a day: three keys, four accounts, three models; failures, unpriced models, TTFTs. */
function manyDays(
  days = 10,
  hours = [0, 4, 9, 16, 23],
  minutes = [5, 35],
  tag = 'a7',
  firstDay = 0,
): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  let i = 0;
  for (let d = firstDay; d < days; d++)
    for (const h of hours)
      for (const minute of minutes) {
        i++;
        const [model, provider] = MODELS[(i >> 1) % 3]!;
        const failed = i % 5 === 1;
        out.push(
          makeEvent({
            dedupKey: `${i.toString(16).padStart(8, '0')}${tag.repeat(12)}`,
            requestId: (0xe0000000 + i).toString(16),
            timestampMs: T0 + d * DAY + h * H + minute * M,
            model,
            alias: model,
            provider,
            apiKeyHash: [KEY_A, KEY_B, KEY_C][i % 3]!,
            apiKeyLabel: `sk-${i % 3}…`,
            authIndex: `acc${1 + (i % 4)}`,
            failed,
            statusCode: failed ? (i % 2 === 0 ? 503 : 429) : 200,
            latencyMs: 50 + ((i * 37) % 4000),
            ttftMs: i % 5 === 0 ? 0 : 20 + ((i * 13) % 900),
            inputTokens: 1000 + i,
            cacheReadTokens: 10 * i,
            outputTokens: 100 + i,
            reasoningTokens: i % 4,
          }),
        );
      }
  return out;
}

/** An answer without its source (the tier path and the raw path differ only there). */
const same = <T extends object>(a: T): T => ({ ...a, source: 'x' });

/** Every view the day-dims tiers answer, under each filter, equals raw events. */
async function expectExact(s: PgStoreRepositories, filters: AnalyticsFilter[], what: string): Promise<void> {
  for (const f of filters) {
    const name = `${what}: ${JSON.stringify({ ...f, from: undefined, to: undefined })}`;
    for (const by of ['model', 'provider', 'key', 'account'] as const)
      expect(same(await s.analytics.breakdown(f, { by })), `${name} by ${by}`).toEqual(
        same(await s.analytics.breakdown(raw(f), { by })),
      );
    expect(same(await s.analytics.totals(f)), `${name} totals`).toEqual(
      same(await s.analytics.totals(raw(f))),
    );
    expect(await s.analytics.filterOptions(f), `${name} options`).toEqual(
      await s.analytics.filterOptions(raw(f)),
    );
    for (const metric of ['latency', 'ttft'] as const) {
      const opts = { metric, percentiles: [0.5, 0.95] };
      expect(same(await s.analytics.latencyPercentiles(f, opts)), `${name} ${metric}`).toEqual(
        same(await s.analytics.latencyPercentiles(raw(f), opts)),
      );
    }
  }
}

/** Drains chunked re-pricing from `fromMs` on. */
async function repriceFrom(s: PgStoreRepositories, fromMs: number, span: number): Promise<void> {
  for (let afterId = 0, done = false; !done;) {
    const r = await s.events.repriceChunk({ models: null, fromMs, afterId, span });
    afterId = r.lastId;
    done = r.done;
  }
}

export function defineDayDimsCases(fresh: (opts?: SuiteOpenOptions) => Promise<PgStoreRepositories>): void {
  describe('cross-dimension daily tiers (day × key / account × model, day histograms)', () => {
    it('breakdowns, totals, filter options and percentiles under key / model / account filters equal raw events, after a price change', async () => {
      const s = await fresh();
      await s.prices.set('gpt-5', { input: 2, output: 20, cacheRead: 0.2 });
      await s.insertBatch(manyDays());
      // The tiers are deferred (rollups/day-dims-fold.ts): the clock is past the data, one fold takes it all.
      await s.maintenance.foldRollups();
      // Re-pricing from mid-day 3 on: the tiers must follow the events (SQLite: deltas; Postgres: rebuild).
      const CHANGE = T0 + 3 * DAY + 7 * H;
      await s.prices.apply('gpt-5', GPT5_PRICE, { effectiveFrom: CHANGE });
      for (let afterId = 0, done = false; !done;) {
        const r = await s.events.repriceChunk({ models: null, fromMs: CHANGE, afterId, span: 40 });
        afterId = r.lastId;
        done = r.done;
      }

      const filters: Record<string, AnalyticsFilter> = {
        none: RANGE,
        key: { ...RANGE, apiKeyHash: KEY_B },
        model: { ...RANGE, model: 'gpt-5' },
        account: { ...RANGE, authIndex: 'acc2' },
        keyModel: { ...RANGE, apiKeyHash: [KEY_A, KEY_C], model: 'claude-x' },
        accountProvider: { ...RANGE, authIndex: ['acc1', 'acc3'], provider: 'codex' },
        failed: { ...RANGE, model: 'gemini-y', status: 'failure' },
      };
      for (const [name, f] of Object.entries(filters)) {
        for (const by of ['model', 'provider', 'key', 'account'] as const) {
          const b = await s.analytics.breakdown(f, { by });
          expect(same(b), `${name} by ${by}`).toEqual(same(await s.analytics.breakdown(raw(f), { by })));
          expect(b.rows.length, `${name} by ${by}`).toBeGreaterThan(0);
        }
        const t = await s.analytics.totals(f);
        expect(same(t), `${name} totals`).toEqual(same(await s.analytics.totals(raw(f))));
        expect(await s.analytics.filterOptions(f), `${name} options`).toEqual(
          await s.analytics.filterOptions(raw(f)),
        );
        for (const metric of ['latency', 'ttft'] as const)
          for (const by of ['model', 'none'] as const) {
            const p = await s.analytics.latencyPercentiles(f, { by, metric, percentiles: [0.5, 0.9, 0.99] });
            expect(same(p), `${name} ${metric} by ${by}`).toEqual(
              same(
                await s.analytics.latencyPercentiles(raw(f), { by, metric, percentiles: [0.5, 0.9, 0.99] }),
              ),
            );
          }
      }
      // The tiers answered (whole days) with raw-event edges.
      expect((await s.analytics.breakdown(filters.model!, { by: 'key' })).source).toBe('rollup+events');
      expect((await s.analytics.breakdown(filters.account!, { by: 'model' })).source).toBe('rollup+events');
      expect((await s.analytics.latencyPercentiles(filters.none!)).source).toBe('rollup+events');
      expect((await s.analytics.breakdown(raw(filters.model!), { by: 'key' })).source).toBe('events');
    });

    it('a 150-day range reads 64- and 8-day span blocks and equals raw events', async () => {
      const s = await fresh();
      await s.prices.set('gpt-5', { input: 2, output: 20, cacheRead: 0.2 });
      await s.insertBatch(manyDays(150, [2, 13, 21], [15]));
      await s.maintenance.foldRollups();
      // Re-pricing from mid-day 40 on: span blocks follow (SQLite: deltas; Postgres: rebuilt from the daily tiers).
      const CHANGE = T0 + 40 * DAY + 9 * H;
      await s.prices.apply('gpt-5', GPT5_PRICE, { effectiveFrom: CHANGE });
      for (let afterId = 0, done = false; !done;) {
        const r = await s.events.repriceChunk({ models: null, fromMs: CHANGE, afterId, span: 200 });
        afterId = r.lastId;
        done = r.done;
      }
      const LONG = { from: T0 + 3 * DAY + 6 * H + 10 * M, to: T0 + 146 * DAY + 11 * H + 50 * M };
      const filters: AnalyticsFilter[] = [
        LONG,
        { ...LONG, apiKeyHash: KEY_B },
        { ...LONG, model: 'claude-x' },
        { ...LONG, authIndex: ['acc1', 'acc4'] },
      ];
      for (const f of filters) {
        for (const by of ['model', 'provider', 'key', 'account'] as const)
          expect(same(await s.analytics.breakdown(f, { by }))).toEqual(
            same(await s.analytics.breakdown(raw(f), { by })),
          );
        expect(same(await s.analytics.totals(f))).toEqual(same(await s.analytics.totals(raw(f))));
        expect(await s.analytics.filterOptions(f)).toEqual(await s.analytics.filterOptions(raw(f)));
        for (const metric of ['latency', 'ttft'] as const) {
          const opts = { metric, percentiles: [0.5, 0.95] };
          expect(same(await s.analytics.latencyPercentiles(f, opts))).toEqual(
            same(await s.analytics.latencyPercentiles(raw(f), opts)),
          );
        }
        // A UTC daily series keeps whole days (a block row has no day inside its block).
        expect(same(await s.analytics.timeSeries(f, { granularity: 'day', splitTopModels: 2 }))).toEqual(
          same(await s.analytics.timeSeries(raw(f), { granularity: 'day', splitTopModels: 2 })),
        );
      }
      expect((await s.analytics.latencyPercentiles(LONG)).source).toBe('rollup+events');
      const b = await s.analytics.breakdown(filters[2]!, { by: 'account' });
      expect(b.source).toBe('rollup+events');
      expect(b.rows.reduce((n, r) => n + r.requests, 0)).toBe(
        (await s.analytics.totals(raw(filters[2]!))).requests,
      );
    });

    it('stay exact at every fold moment: nothing folded, a partial fold, late events into closed and open blocks, a catch-up, re-pricing', async () => {
      // 120 days in: the watermark ends up at day 120 + 4 h; the 64-day block of days 51–114 (epoch-aligned) is
      // closed, the 8-day block of days 115–122 open.
      let clock = T0 + 120 * DAY + 5 * H;
      const s = await fresh({ now: () => clock });
      await s.prices.set('gpt-5', { input: 2, output: 20, cacheRead: 0.2 });
      const all = manyDays(150, [2, 13, 21], [15], 'b8');
      await s.insertBatch(all.filter((e) => e.timestampMs < clock));
      const LONG = { from: T0 + 3 * DAY + 6 * H + 10 * M, to: T0 + 146 * DAY + 11 * H + 50 * M };
      const filters: AnalyticsFilter[] = [
        LONG,
        { ...LONG, apiKeyHash: KEY_B },
        { ...LONG, model: 'claude-x' },
        { ...LONG, authIndex: ['acc1', 'acc4'] },
        { ...LONG, apiKeyHash: [KEY_A, KEY_C], model: 'gpt-5' },
      ];
      await expectExact(s, filters, 'nothing folded');
      expect((await s.maintenance.foldRollups()).steps).toBeGreaterThan(0);
      await expectExact(s, filters, 'folded up to day 120');
      expect((await s.analytics.breakdown(filters[2]!, { by: 'key' })).source).toBe('rollup+events');

      // Late events (below the watermark): into the closed 64-day block, closed and open 8-day blocks and the
      // day of the watermark; and events above it, in one batch.
      const late = [
        ...manyDays(61, [7], [40], 'c9', 60),
        ...manyDays(120, [5, 19], [50], 'd1', 110),
        ...manyDays(122, [3], [10], 'e2', 120),
      ];
      await s.insertBatch(late);
      await expectExact(s, filters, 'late events');

      // The clock moves on a month: the rest arrives, then a catch-up over days.
      clock = T0 + 152 * DAY;
      await s.insertBatch(all.filter((e) => e.timestampMs >= T0 + 120 * DAY + 5 * H));
      await expectExact(s, filters, 'before the catch-up');
      expect((await s.maintenance.foldRollups()).steps).toBeGreaterThan(1);
      await expectExact(s, filters, 'after the catch-up');

      // Re-pricing from inside a closed block on (chunked, then by range): blocks follow.
      const CHANGE = T0 + 40 * DAY + 9 * H;
      await s.prices.apply('gpt-5', GPT5_PRICE, { effectiveFrom: CHANGE });
      await repriceFrom(s, CHANGE, 97);
      await expectExact(s, filters, 'after chunked re-pricing');
      // A price version in force before the change: re-pricing a range moves the events before CHANGE.
      await s.prices.apply('gpt-5', { input: 3, output: 30, cacheRead: 0.3 }, { effectiveFrom: T0 - DAY });
      const before = await s.analytics.totals({ ...LONG, model: 'gpt-5' });
      await s.events.repriceRange({ from: T0 + 20 * DAY + 5 * H, to: T0 + 100 * DAY });
      expect((await s.analytics.totals({ ...LONG, model: 'gpt-5' })).costMicros).not.toBe(before.costMicros);
      await expectExact(s, filters, 'after re-pricing a range');
    });
  });
}
