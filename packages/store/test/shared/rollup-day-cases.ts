// Long ranges answered from the daily rollup (whole UTC days) + rollup_hour (edge hours) + raw events (edge
// minutes) must equal the same range read from raw events only. An upstream filter forces the raw path (in a
// store of one CPA no rollup answers it) without changing the answer: every event here comes from the default CPA.
import { describe, expect, it } from 'vitest';
import type { PgStoreRepositories, UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { GPT5_PRICE, H, KEY_A, KEY_B, M, T0 } from './dataset';

const DAY = 24 * H;
/** Starts and ends mid-hour and mid-day: events edges, rollup_hour edge hours, rollup_day inside. */
const RANGE = { from: T0 + 3 * H + 20 * M, to: T0 + 8 * DAY + 13 * H + 40 * M };
const RAW = { ...RANGE, upstream: 'default' };

/** Ten days, four hours a day, both models; every fifth event fails; claude-x has no price. */
function tenDays(): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  let i = 0;
  for (let d = 0; d < 10; d++)
    for (const h of [0, 3, 13, 23])
      for (const minute of [10, 30, 50]) {
        i++;
        const model = i % 3 === 0 ? 'claude-x' : 'gpt-5';
        const failed = i % 5 === 0;
        out.push(
          makeEvent({
            dedupKey: `${i.toString(16).padStart(8, '0')}${'ef'.repeat(12)}`,
            requestId: (0xd0000000 + i).toString(16),
            timestampMs: T0 + d * DAY + h * H + minute * M,
            model,
            alias: model,
            provider: model === 'gpt-5' ? 'codex' : 'claude',
            apiKeyHash: i % 2 ? KEY_A : KEY_B,
            apiKeyLabel: i % 2 ? 'sk-a…' : 'sk-b…',
            authIndex: `acc${1 + (i % 2)}`,
            failed,
            statusCode: failed ? 500 : 200,
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

/** An answer without its source (the rollup path and the raw path differ only there). */
const same = <T extends object>(a: T): T => ({ ...a, source: 'x' });

const inRange = (e: UsageEventInput) => e.timestampMs >= RANGE.from && e.timestampMs < RANGE.to;

export function defineRollupDayCases(fresh: () => Promise<PgStoreRepositories>): void {
  describe('daily rollup (rollup_day)', () => {
    it('a multi-day range via rollup_day equals raw events: totals, daily series, breakdowns, after a price change', async () => {
      const s = await fresh();
      await s.prices.set('gpt-5', { input: 2, output: 20, cacheRead: 0.2 });
      const events = tenDays();
      await s.insertBatch(events);
      // A price change from day 4 on re-prices stored events; rollup_day must follow like rollup_hour.
      const CHANGE = T0 + 4 * DAY + 6 * H;
      await s.prices.apply('gpt-5', GPT5_PRICE, { effectiveFrom: CHANGE });
      for (let afterId = 0, done = false; !done;) {
        // From the change on only: Postgres re-prices a range at today's prices (SQLite: at each event's time).
        const r = await s.events.repriceChunk({ models: null, fromMs: CHANGE, afterId, span: 50 });
        afterId = r.lastId;
        done = r.done;
      }

      const t = await s.analytics.totals(RANGE);
      const raw = await s.analytics.totals(RAW);
      expect(t.source).toBe('rollup+events');
      expect(raw.source).toBe('events');
      expect({ ...t, source: 'x' }).toEqual({ ...raw, source: 'x' });
      const want = events.filter(inRange);
      expect(t.requests).toBe(want.length);
      expect(t.failures).toBe(want.filter((e) => e.failed).length);
      expect(t.unpricedRequests).toBe(want.filter((e) => e.model === 'claude-x').length);
      const gptCost = want
        .filter((e) => e.model === 'gpt-5')
        .reduce(
          (c, e) =>
            c +
            (e.timestampMs >= CHANGE ? 1 : 2) *
              (e.inputTokens * GPT5_PRICE.input +
                e.cacheReadTokens * GPT5_PRICE.cacheRead +
                (e.outputTokens + e.reasoningTokens) * GPT5_PRICE.output),
          0,
        );
      expect(t.costMicros).toBe(Math.round(gptCost));

      const daily = await s.analytics.timeSeries(RANGE, { granularity: 'day', splitTopModels: 2 });
      const dailyRaw = await s.analytics.timeSeries(RAW, { granularity: 'day', splitTopModels: 2 });
      expect(daily.points).toHaveLength(9);
      expect(same(daily)).toEqual(same(dailyRaw));
      const hourly = await s.analytics.timeSeries(RANGE, { granularity: 'hour' });
      expect(same(hourly)).toEqual(same(await s.analytics.timeSeries(RAW, { granularity: 'hour' })));
      const local = await s.analytics.timeSeries(RANGE, { granularity: 'day', timeZone: 'Asia/Shanghai' });
      expect(same(local)).toEqual(
        same(await s.analytics.timeSeries(RAW, { granularity: 'day', timeZone: 'Asia/Shanghai' })),
      );

      for (const by of ['model', 'provider', 'key', 'account'] as const) {
        const b = await s.analytics.breakdown(RANGE, { by });
        const r = await s.analytics.breakdown(RAW, { by });
        expect({ ...b, source: 'x' }).toEqual({ ...r, source: 'x' });
      }
      const failedOnly = await s.analytics.totals({ ...RANGE, status: 'failure' });
      expect({ ...failedOnly, source: 'x' }).toEqual({
        ...(await s.analytics.totals({ ...RAW, status: 'failure' })),
        source: 'x',
      });
      const gpt = await s.analytics.timeSeries({ ...RANGE, model: 'gpt-5' }, { granularity: 'day' });
      expect(same(gpt)).toEqual(
        same(await s.analytics.timeSeries({ ...RAW, model: 'gpt-5' }, { granularity: 'day' })),
      );
    });
  });
}
