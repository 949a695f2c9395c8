// Postgres' own tiers (migration 0031, rollups/pg-dims-tables.ts): by account under a key filter, by key under an
// account filter, filter options, percentiles by model under a key / account filter and the daily split by model
// under a key filter in a non-UTC zone must equal the same views read from raw events only (an upstream filter
// forces the raw path: in a store of one CPA no tier answers it, and every event here comes from the default
// CPA), at every fold moment, with late events, after re-pricing, and keep their history through retention.
// SQLite has no such tiers (its 0031 is a no-op): the same checks hold there, answered from the column cache and
// raw events.
import { describe, expect, it } from 'vitest';
import type { AnalyticsFilter, PgStoreRepositories, UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { GPT5_PRICE, H, KEY_A, KEY_B, M, T0 } from './dataset';
import type { SuiteOpenOptions } from './repository-suite';

const DAY = 24 * H;
const KEY_C = 'c'.repeat(64);
const raw = (f: AnalyticsFilter): AnalyticsFilter => ({ ...f, upstream: 'default' });
const same = <T extends object>(a: T): T => ({ ...a, source: 'x' });
const MODELS = [
  ['gpt-5', 'codex'],
  ['claude-x', 'claude'],
  ['gemini-y', 'gemini'],
  ['gpt-5-mini', 'codex'],
] as const;

/** Days [first, last): three keys over five accounts and four models, failures, latencies over many buckets. */
function days(first: number, last: number, hours: number[], tag: string): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  let i = 0;
  for (let d = first; d < last; d++)
    for (const h of hours) {
      i++;
      const [model, provider] = MODELS[(i * 7 + d) % 4]!;
      const failed = i % 6 === 1;
      out.push(
        makeEvent({
          dedupKey: `${i.toString(16).padStart(8, '0')}${tag.repeat(12)}`,
          requestId: (0xd0000000 + i).toString(16),
          timestampMs: T0 + d * DAY + h * H + ((i * 11) % 60) * M,
          model,
          alias: model,
          provider,
          apiKeyHash: [KEY_A, KEY_B, KEY_C][i % 3]!,
          apiKeyLabel: `sk-${i % 3}…`,
          authIndex: `acc${1 + ((i * 3 + d) % 5)}`,
          failed,
          statusCode: failed ? 503 : 200,
          latencyMs: 40 + ((i * 131) % 9000),
          inputTokens: 500 + i,
          outputTokens: 50 + i,
        }),
      );
    }
  return out;
}

const LONG = { from: T0 + 2 * DAY + 7 * H + 10 * M, to: T0 + 140 * DAY + 15 * H + 20 * M };
const FILTERS: AnalyticsFilter[] = [
  { ...LONG, apiKeyHash: KEY_B },
  { ...LONG, authIndex: 'acc2' },
  { ...LONG, apiKeyHash: [KEY_A, KEY_C], model: 'claude-x' },
  { ...LONG, authIndex: ['acc1', 'acc4'], status: 'failure' },
  { ...LONG, apiKeyHash: KEY_A, authIndex: 'acc3' },
];
const ZONE = { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 2 } as const;

/** The cells these tiers answer, per filter (answers without their source). */
async function cells(s: PgStoreRepositories, f: AnalyticsFilter): Promise<unknown[]> {
  return [
    same(await s.analytics.breakdown(f, { by: 'account' })),
    same(await s.analytics.breakdown(f, { by: 'key' })),
    await s.analytics.filterOptions(f),
    same(await s.analytics.latencyPercentiles(f, { percentiles: [0.5, 0.9, 0.99] })),
    same(await s.analytics.latencyPercentiles(f, { by: 'none', percentiles: [0.5, 0.95] })),
    same(await s.analytics.timeSeries(f, ZONE)),
  ];
}

async function expectExact(s: PgStoreRepositories, what: string): Promise<void> {
  for (const f of FILTERS)
    expect(await cells(s, f), `${what}: ${JSON.stringify({ ...f, from: undefined, to: undefined })}`).toEqual(
      await cells(s, raw(f)),
    );
}

export function definePgDimsCases(
  dialect: string,
  fresh: (opts?: SuiteOpenOptions) => Promise<PgStoreRepositories>,
): void {
  describe("Postgres' own tiers (key × account, latency per key / account × model, hour × key / account × model)", () => {
    it('equal raw events at every fold moment, with late events, after re-pricing, and keep history through retention', async () => {
      let clock = T0 + 100 * DAY + 5 * H;
      const s = await fresh({ now: () => clock });
      await s.prices.set('gpt-5', { input: 2, output: 20, cacheRead: 0.2 });
      const all = days(0, 145, [1, 6, 11, 17, 22], 'f3');
      await s.insertBatch(all.filter((e) => e.timestampMs < clock));
      await expectExact(s, 'nothing folded');
      expect((await s.maintenance.foldRollups()).steps).toBeGreaterThan(0);
      await expectExact(s, 'folded up to day 100');
      if (dialect === 'postgres') {
        // The tiers answered whole days (and blocks), raw events the edges and the rest.
        const key = FILTERS[0]!;
        expect((await s.analytics.breakdown(key, { by: 'account' })).source).toBe('rollup+events');
        expect((await s.analytics.breakdown(FILTERS[1]!, { by: 'key' })).source).toBe('rollup+events');
        expect((await s.analytics.latencyPercentiles(key)).source).toBe('rollup+events');
        expect((await s.analytics.latencyPercentiles(FILTERS[1]!)).source).toBe('rollup+events');
        expect((await s.analytics.timeSeries(key, ZONE)).source).toBe('rollup+events');
        expect((await s.analytics.timeSeries(FILTERS[1]!, ZONE)).source).toBe('rollup+events');
      }

      // Late events below the watermark (closed 64- and 8-day blocks, the open block, the watermark's day) and
      // events above it, in one batch.
      await s.insertBatch([
        ...days(10, 12, [3], 'a1'),
        ...days(70, 72, [9], 'b2'),
        ...days(97, 101, [4, 20], 'c3'),
      ]);
      await expectExact(s, 'late events');

      // The clock moves on: the rest arrives, then a catch-up over days.
      clock = T0 + 150 * DAY;
      await s.insertBatch(all.filter((e) => e.timestampMs >= T0 + 100 * DAY + 5 * H));
      await expectExact(s, 'before the catch-up');
      expect((await s.maintenance.foldRollups()).steps).toBeGreaterThan(1);
      await expectExact(s, 'after the catch-up');

      // Re-pricing from inside a closed block on (chunked), then a range.
      const CHANGE = T0 + 40 * DAY + 9 * H;
      await s.prices.apply('gpt-5', GPT5_PRICE, { effectiveFrom: CHANGE });
      for (let afterId = 0, done = false; !done; ) {
        const r = await s.events.repriceChunk({ models: null, fromMs: CHANGE, afterId, span: 97 });
        afterId = r.lastId;
        done = r.done;
      }
      await expectExact(s, 'after chunked re-pricing');
      await s.prices.apply('gpt-5', { input: 3, output: 30, cacheRead: 0.3 }, { effectiveFrom: T0 - DAY });
      await s.events.repriceRange({ from: T0 + 20 * DAY + 5 * H, to: T0 + 100 * DAY });
      await expectExact(s, 'after re-pricing a range');

      // Retention: the range after the cutoff stays exact; on Postgres the tiers keep the history before it (whole
      // days: no raw-event edge).
      const WHOLE = { from: T0 + 3 * DAY, to: T0 + 140 * DAY };
      const key = { ...FILTERS[0]!, ...WHOLE };
      const account = { ...FILTERS[1]!, ...WHOLE };
      const before = [await cells(s, key), await cells(s, account)];
      await s.maintenance.pruneByAge(T0 + 30 * DAY);
      const after = { from: T0 + 31 * DAY + 3 * H, to: LONG.to };
      for (const f of FILTERS)
        expect(await cells(s, { ...f, ...after })).toEqual(await cells(s, raw({ ...f, ...after })));
      if (dialect === 'postgres') expect([await cells(s, key), await cells(s, account)]).toEqual(before);
    });
  });
}
