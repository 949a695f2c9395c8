// Chunked re-pricing sums its rollup deltas over the job and writes them in slices (SQLite:
// events/reprice-pending.ts). It must leave every tier exactly as a store built from scratch with the final prices
// would hold it, whatever ran between its chunks: a fold that moves the watermark (and closes span blocks), late
// events below the watermark, new events above it, a second price change. Each view is compared with the same
// view of a fresh store that got the same events and prices (and the same clock) without any re-pricing.
import { describe, expect, it } from 'vitest';
import type { AnalyticsFilter, PgStoreRepositories, UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { H, KEY_A, KEY_B, M } from './dataset';
import type { SuiteOpenOptions } from './repository-suite';

const DAY = 24 * H;
const KEY_C = 'c'.repeat(64);
/** 2026-06-01 00:00 UTC: 70 sparse days, then dense ones (an 8- and a 64-day block close below the watermark). */
const D0 = Date.UTC(2026, 5, 1);
const DENSE = D0 + 70 * DAY;
const MODELS = [
  ['gpt-5', 'codex'],
  ['claude-x', 'claude'],
  ['gemini-y', 'gemini'],
] as const;
const P1 = { input: 1, output: 10, cacheRead: 0.1 };
const P2 = { input: 2.5, output: 15, cacheRead: 0.25 };
const P3 = { input: 0.5, output: 4, cacheRead: 0.05 };

/** Events every `step` in [from, to): three models (gemini-y has no price at first), three keys, four accounts. */
function events(from: number, to: number, step: number, tag: string): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  let i = 0;
  for (let t = from; t < to; t += step) {
    i++;
    const [model, provider] = MODELS[i % 3]!;
    const failed = i % 6 === 1;
    out.push(
      makeEvent({
        dedupKey: `${i.toString(16).padStart(8, '0')}${tag.repeat(12)}`,
        requestId: `${tag}${i.toString(16).padStart(6, '0')}`,
        timestampMs: t,
        model,
        alias: model,
        provider,
        apiKeyHash: [KEY_A, KEY_B, KEY_C][i % 3 === 0 ? 1 : (i >> 1) % 3]!,
        authIndex: `acc${1 + (i % 4)}`,
        failed,
        statusCode: failed ? 503 : 200,
        latencyMs: 40 + ((i * 37) % 3000),
        ttftMs: 10 + ((i * 13) % 700),
        inputTokens: 900 + i,
        cacheReadTokens: 7 * i,
        outputTokens: 80 + (i % 50),
      }),
    );
  }
  return out;
}

const same = <T extends object>(a: T): T => ({ ...a, source: 'x' });

/** Every cost-bearing view over the ranges and filters: equal in both stores. */
async function expectSameViews(a: PgStoreRepositories, b: PgStoreRepositories, what: string): Promise<void> {
  const ranges = [
    { from: D0, to: DENSE + 12 * DAY },
    { from: D0 + 3 * DAY + 5 * H + 17 * M, to: DENSE + 9 * DAY + 13 * M },
    { from: DENSE + DAY + 7 * H + 30 * M, to: DENSE + 5 * DAY + 2 * H },
  ];
  const filters: Partial<AnalyticsFilter>[] = [
    {},
    { apiKeyHash: [KEY_B, KEY_C] },
    { authIndex: 'acc2' },
    { model: 'gpt-5', apiKeyHash: KEY_B },
  ];
  for (const r of ranges)
    for (const f0 of filters) {
      const f = { ...r, ...f0 } as AnalyticsFilter;
      const name = `${what}: ${JSON.stringify(f0)} [${(r.from - D0) / H} h, ${(r.to - D0) / H} h)`;
      expect(same(await a.analytics.totals(f)), `${name} totals`).toEqual(same(await b.analytics.totals(f)));
      for (const by of ['model', 'provider', 'key', 'account'] as const)
        expect(same(await a.analytics.breakdown(f, { by })), `${name} by ${by}`).toEqual(
          same(await b.analytics.breakdown(f, { by })),
        );
      expect(await a.analytics.filterOptions(f), `${name} options`).toEqual(
        await b.analytics.filterOptions(f),
      );
      const daily = { granularity: 'day' as const, timeZone: 'UTC', splitTopModels: 2 };
      expect(same(await a.analytics.timeSeries(f, daily)), `${name} daily`).toEqual(
        same(await b.analytics.timeSeries(f, daily)),
      );
      const zone = { timeZone: 'Asia/Shanghai' };
      expect(same(await a.analytics.heatmap(f, zone)), `${name} heatmap`).toEqual(
        same(await b.analytics.heatmap(f, zone)),
      );
      const hourly = { granularity: 'hour' as const, timeZone: 'America/New_York' };
      expect(same(await a.analytics.timeSeries(f, hourly)), `${name} hourly`).toEqual(
        same(await b.analytics.timeSeries(f, hourly)),
      );
    }
}

export function defineRepriceFoldCases(
  fresh: (opts?: SuiteOpenOptions) => Promise<PgStoreRepositories>,
): void {
  describe('chunked re-pricing with the fold partly caught up', () => {
    it('leaves every view as a freshly built store has it: late events, a fold and a second price change between chunks', async () => {
      const CHANGE = D0 + 20 * DAY + 7 * H;
      let clock = DENSE + 6 * DAY + 9 * H;
      const sparse = events(D0, DENSE, 5 * H + 7 * M, 'a1');
      const dense = events(DENSE, DENSE + 6 * DAY + 8 * H, 19 * M, 'b2');
      const late = events(D0 + 30 * DAY + 11 * M, DENSE + 2 * DAY, 31 * H, 'c3');
      const ahead = events(DENSE + 6 * DAY + 8 * H, DENSE + 8 * DAY + 2 * H, 23 * M, 'd4');
      const later = events(D0 + 2 * DAY + 3 * M, DENSE + 8 * DAY, 53 * H, 'e5');

      const a = await fresh({ now: () => clock });
      await a.prices.apply('gpt-5', P1, { effectiveFrom: null });
      await a.prices.apply('claude-x', P1, { effectiveFrom: null });
      await a.insertBatch([...sparse, ...dense]);
      // The fold catches up to the clock (the watermark is mid-day: day rows hold part of a day).
      expect((await a.maintenance.foldRollups()).steps).toBeGreaterThan(1);

      // The price changes: gpt-5 from CHANGE on, gemini-y gets a price for all its history.
      await a.prices.apply('gpt-5', P2, { effectiveFrom: CHANGE });
      await a.prices.apply('gemini-y', P3, { effectiveFrom: null });
      const models = ['gpt-5', 'gemini-y'];
      // Between chunks (SQLite re-prices in chunks; Postgres re-prices the whole range in one step, so there they
      // run after it): late events below the watermark, events above it, and a fold that moves on (closing days
      // and span blocks) after downtime.
      const between: (() => Promise<unknown>)[] = [
        () => a.insertBatch(late),
        () => a.insertBatch(ahead),
        () => {
          clock = DENSE + 8 * DAY + 5 * H;
          return a.maintenance.foldRollups();
        },
      ];
      let afterId = 0;
      for (let done = false, chunk = 0; !done; chunk++) {
        const r = await a.events.repriceChunk({ models, fromMs: null, afterId, span: 41 });
        afterId = r.lastId;
        done = r.done;
        if (chunk % 2 === 1 && !done) await between.shift()?.();
      }
      for (const f of between) await f();
      // A second change while nothing is pending: claude-x from the dense days on, re-priced the same way.
      const CHANGE2 = DENSE + DAY + 13 * H;
      await a.prices.apply('claude-x', P2, { effectiveFrom: CHANGE2 });
      await a.insertBatch(later);
      for (let done = false, id = 0; !done;) {
        const r = await a.events.repriceChunk({
          models: ['claude-x'],
          fromMs: CHANGE2,
          afterId: id,
          span: 97,
        });
        id = r.lastId;
        done = r.done;
      }

      // The same events and the same price history, no re-pricing.
      const b = await fresh({ now: () => clock });
      await b.prices.apply('gpt-5', P1, { effectiveFrom: null });
      await b.prices.apply('gpt-5', P2, { effectiveFrom: CHANGE });
      await b.prices.apply('gemini-y', P3, { effectiveFrom: null });
      await b.prices.apply('claude-x', P1, { effectiveFrom: null });
      await b.prices.apply('claude-x', P2, { effectiveFrom: CHANGE2 });
      await b.insertBatch([...sparse, ...dense, ...late, ...ahead, ...later]);
      await b.maintenance.foldRollups();
      expect(await a.events.count()).toBe(await b.events.count());
      // The views read the tiers (not only raw events), so the comparison covers them.
      const long = await a.analytics.breakdown(
        { from: D0, to: DENSE + 12 * DAY, apiKeyHash: KEY_A },
        { by: 'model' },
      );
      expect(long.source).toContain('rollup');
      await expectSameViews(a, b, 'after re-pricing');

      // The fold takes what is still above the watermark (re-priced events it had not reached) the same way.
      clock += 2 * DAY;
      await a.maintenance.foldRollups();
      await b.maintenance.foldRollups();
      await expectSameViews(a, b, 'after the next fold');
    });
  });
}
