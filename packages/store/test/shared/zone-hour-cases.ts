// Time views in non-UTC zones over several days come from the zone hour tiers (migration 0022:
// rollup_hour_total / _key / _account) for whole hours and from raw events for the edge minutes; they must
// equal the same view read from raw events only. An upstream filter forces the raw path (in a store of one
// CPA no rollup answers it) without changing the answer: every event here comes from the default CPA. The range crosses the
// end of summer time in Berlin (2026-10-25) and New York (2026-11-01) and starts and ends mid-hour.
import { describe, expect, it } from 'vitest';
import type { AnalyticsFilter, PgStoreRepositories, UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { GPT5_PRICE, KEY_A, KEY_B, M } from './dataset';

const START = Date.UTC(2026, 9, 22, 0, 7);
const END = Date.UTC(2026, 10, 4, 0, 0);
const RANGE = { from: Date.UTC(2026, 9, 22, 5, 20), to: Date.UTC(2026, 10, 3, 17, 40) };

/** An event every 50 minutes over 13 days: two models, three keys, three accounts, every seventh fails. */
function events(): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  let i = 0;
  for (let t = START; t < END; t += 50 * M) {
    i++;
    const model = i % 3 === 0 ? 'claude-x' : 'gpt-5';
    const failed = i % 7 === 0;
    out.push(
      makeEvent({
        dedupKey: `${i.toString(16).padStart(8, '0')}${'7a'.repeat(12)}`,
        requestId: (0xe0000000 + i).toString(16),
        timestampMs: t,
        model,
        alias: model,
        provider: model === 'gpt-5' ? 'codex' : 'claude',
        apiKeyHash: i % 3 === 1 ? KEY_B : i % 3 === 2 ? 'c'.repeat(64) : KEY_A,
        apiKeyLabel: 'sk-…',
        authIndex: `acc${1 + (i % 4 === 0 ? 2 : i % 2)}`,
        failed,
        statusCode: failed ? (i % 2 ? 500 : 429) : 200,
        latencyMs: 100 + i,
        inputTokens: 1000 + i,
        cacheReadTokens: 10 * i,
        outputTokens: 100 + i,
        reasoningTokens: i % 4,
      }),
    );
  }
  return out;
}

const same = <T extends object>(a: T): T => ({ ...a, source: 'x' });
const ZONES = ['Asia/Shanghai', 'America/New_York', 'Europe/Berlin'];
const FILTERS: Partial<AnalyticsFilter>[] = [
  {},
  { apiKeyHash: KEY_A },
  { apiKeyHash: [KEY_A, KEY_B] },
  { authIndex: 'acc2' },
  { status: 'failure' },
  { authIndex: 'acc1', status: 'success' },
  { model: 'claude-x' },
  { model: ['gpt-5', 'claude-x'], apiKeyHash: KEY_B },
];

async function expectSameAsRaw(s: PgStoreRepositories, f: Partial<AnalyticsFilter>): Promise<void> {
  const tier = { ...RANGE, ...f };
  const raw = { ...tier, upstream: 'default' };
  for (const timeZone of ZONES) {
    for (const [granularity, splitTopModels] of [
      ['day', 0],
      ['day', 1],
      ['day', 10],
      ['hour', 0],
      ['hour', 1],
    ] as const) {
      const a = await s.analytics.timeSeries(tier, { granularity, timeZone, splitTopModels });
      const b = await s.analytics.timeSeries(raw, { granularity, timeZone, splitTopModels });
      expect(b.source).toBe('events');
      expect(same(a), `${timeZone} ${granularity} top ${splitTopModels} ${JSON.stringify(f)}`).toEqual(
        same(b),
      );
    }
    const h = await s.analytics.heatmap(tier, { timeZone });
    expect(same(h), `${timeZone} heatmap ${JSON.stringify(f)}`).toEqual(
      same(await s.analytics.heatmap(raw, { timeZone })),
    );
  }
}

export function defineZoneHourCases(fresh: () => Promise<PgStoreRepositories>): void {
  describe('zone hour tiers (rollup_hour_total / _key / _account / _model)', () => {
    it('series and heatmaps in +8, DST −5/−4 and +1/+2 zones equal raw events, also after a price change', async () => {
      const s = await fresh();
      await s.prices.set('gpt-5', { input: 2, output: 20, cacheRead: 0.2 });
      const all = events();
      // Two batches: the second upserts into hours the first created.
      await s.insertBatch(all.filter((_, i) => i % 2 === 0));
      await s.insertBatch(all.filter((_, i) => i % 2 === 1));
      // Not folded yet: the deferred tiers (key / account / model) answer nothing, raw events everything.
      for (const f of FILTERS.slice(1, 4)) await expectSameAsRaw(s, f);
      await s.maintenance.foldRollups();

      const heat = await s.analytics.heatmap(
        { ...RANGE, apiKeyHash: KEY_A },
        { timeZone: 'America/New_York' },
      );
      expect(heat.source).toBe('rollup+events');
      const want = all.filter(
        (e) => e.timestampMs >= RANGE.from && e.timestampMs < RANGE.to && e.apiKeyHash === KEY_A,
      );
      expect(heat.cells.reduce((n, c) => n + c.requests, 0)).toBe(want.length);
      // A split in a +8 zone: totals, ranking and the top model's hours from three tier reads.
      const split = await s.analytics.timeSeries(RANGE, {
        granularity: 'day',
        timeZone: 'Asia/Shanghai',
        splitTopModels: 1,
      });
      expect(split.source).toBe('rollup+events');
      expect(split.byModel.map((m) => m.model)).toEqual(['gpt-5']);
      for (const f of FILTERS) await expectSameAsRaw(s, f);

      // Re-pricing from inside the range on: the tiers' cost must follow like the other rollups.
      const CHANGE = Date.UTC(2026, 9, 27, 9, 0);
      await s.prices.apply('gpt-5', GPT5_PRICE, { effectiveFrom: CHANGE });
      for (let afterId = 0, done = false; !done;) {
        const r = await s.events.repriceChunk({ models: null, fromMs: CHANGE, afterId, span: 100 });
        afterId = r.lastId;
        done = r.done;
      }
      for (const f of [...FILTERS.slice(0, 4), FILTERS[6]!]) await expectSameAsRaw(s, f);
    });

    it('keep the history after retention prunes raw events, and show in the storage report', async () => {
      const s = await fresh();
      await s.insertBatch(events());
      await s.maintenance.foldRollups();
      // Whole hours: no raw-event edges, so the answer is the tiers' alone.
      const hours = { from: Date.UTC(2026, 9, 22, 6), to: Date.UTC(2026, 10, 3, 18) };
      const views = async () =>
        Promise.all([
          s.analytics.heatmap({ ...hours, apiKeyHash: KEY_A }, { timeZone: 'America/New_York' }),
          s.analytics.heatmap({ ...hours, authIndex: 'acc2' }, { timeZone: 'Europe/Berlin' }),
          s.analytics.timeSeries(hours, { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 2 }),
        ]);
      const before = await views();
      expect((await s.maintenance.pruneByAge(Date.UTC(2026, 9, 30))).deleted).toBeGreaterThan(0);
      expect((await views()).map(same)).toEqual(before.map(same));
      const names = (await s.maintenance.storageReport()).objects.map((o) => o.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'rollup_hour_total',
          'rollup_hour_key',
          'rollup_hour_account',
          'rollup_hour_model',
        ]),
      );
    });
  });
}
