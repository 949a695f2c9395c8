// Deferred rollup tiers (rollups/fold-tier.ts): hour × key / account / model are folded from raw events behind a
// watermark. Every view a deferred tier answers must equal the same view read from raw events only (an upstream
// filter forces the raw path) at every moment: before a fold, after one, with late events below the watermark,
// with events exactly at it, after a catch-up over days, after re-pricing and after retention. Only the clock is
// mocked.
import { describe, expect, it } from 'vitest';
import type { AnalyticsFilter, PgStoreRepositories, UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { GPT5_PRICE, H, KEY_A, KEY_B, M } from './dataset';
import type { SuiteOpenOptions } from './repository-suite';

const DAY = 24 * H;
/** Monday 2026-10-05 00:00 UTC. */
const D0 = Date.UTC(2026, 9, 5);
const KEY_C = 'c'.repeat(64);

let seq = 0;
/** An event every `step` in [from, to): two models, three keys, three accounts, every seventh fails. */
function events(from: number, to: number, step = 37 * M): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  for (let t = from; t < to; t += step) {
    const i = ++seq;
    const model = i % 3 === 0 ? 'claude-x' : 'gpt-5';
    const failed = i % 7 === 0;
    out.push(
      makeEvent({
        dedupKey: `${i.toString(16).padStart(8, '0')}${'f0'.repeat(12)}`,
        requestId: (0xf0000000 + i).toString(16),
        timestampMs: t,
        model,
        alias: model,
        provider: model === 'gpt-5' ? 'codex' : 'claude',
        apiKeyHash: i % 3 === 1 ? KEY_B : i % 3 === 2 ? KEY_C : KEY_A,
        authIndex: `acc${1 + (i % 4 === 0 ? 2 : i % 2)}`,
        failed,
        statusCode: failed ? 500 : 200,
        latencyMs: 100 + i,
        inputTokens: 1000 + i,
        outputTokens: 100 + i,
      }),
    );
  }
  return out;
}

const same = <T extends object>(a: T): T => ({ ...a, source: 'x' });
const FILTERS: Partial<AnalyticsFilter>[] = [
  { apiKeyHash: KEY_A },
  { apiKeyHash: [KEY_B, KEY_C] },
  { authIndex: 'acc2' },
  { model: 'claude-x' },
];

/** Every deferred-tier view over [from, to) equals raw events; returns the tier answers (for later comparison). */
async function expectExact(
  s: PgStoreRepositories,
  from: number,
  to: number,
  what: string,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const f of FILTERS) {
    const tier = { from, to, ...f };
    const raw = { ...tier, upstream: 'default' };
    for (const timeZone of ['Asia/Shanghai', 'America/New_York']) {
      const a = await s.analytics.heatmap(tier, { timeZone });
      const b = await s.analytics.heatmap(raw, { timeZone });
      expect(b.source).toBe('events');
      expect(same(a), `${what}: heatmap ${timeZone} ${JSON.stringify(f)}`).toEqual(same(b));
      out.push(same(a));
    }
    const a = await s.analytics.timeSeries(tier, { granularity: 'hour', timeZone: 'Asia/Kolkata' });
    const b = await s.analytics.timeSeries(raw, { granularity: 'hour', timeZone: 'Asia/Kolkata' });
    expect(same(a), `${what}: hourly series ${JSON.stringify(f)}`).toEqual(same(b));
    out.push(same(a));
  }
  // A split by top models in a non-UTC zone reads rollup_hour_model.
  const split = { from, to };
  const a = await s.analytics.timeSeries(split, {
    granularity: 'day',
    timeZone: 'Asia/Shanghai',
    splitTopModels: 2,
  });
  const b = await s.analytics.timeSeries(
    { ...split, upstream: 'default' },
    { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 2 },
  );
  expect(same(a), `${what}: split`).toEqual(same(b));
  out.push(same(a));
  return out;
}

export function defineFoldTierCases(fresh: (opts?: SuiteOpenOptions) => Promise<PgStoreRepositories>): void {
  describe('deferred rollup tiers (fold behind a watermark)', () => {
    it('stay exact before and after folds, with late events, events at the watermark and a catch-up over days', async () => {
      let clock = D0 + 2 * DAY + 5 * H;
      const s = await fresh({ now: () => clock });
      // Mid-hour bounds: raw edges at both ends around the tiers' whole hours.
      const R = { from: D0 + 3 * H + 20 * M, to: D0 + 6 * DAY + 7 * M };
      await s.insertBatch(events(D0, D0 + 2 * DAY + 5 * H));
      await expectExact(s, R.from, R.to, 'nothing folded');

      // Catch-up over two days: one transaction per day at most.
      const first = await s.maintenance.foldRollups();
      expect(first.steps).toBeGreaterThanOrEqual(3);
      const heat = await s.analytics.heatmap({ ...R, apiKeyHash: KEY_A }, { timeZone: 'Asia/Shanghai' });
      expect(heat.source).toBe('rollup+events');
      await expectExact(s, R.from, R.to, 'after the first fold');
      // Nothing new to fold in the same hour.
      expect((await s.maintenance.foldRollups()).steps).toBe(0);

      // The watermark is now 2 days + 4 h (an hour before the clock's, lagged): late events below it, events at it
      // exactly, and after it, in one batch.
      const upto = D0 + 2 * DAY + 4 * H;
      const late = events(D0 + 2 * H + 1, D0 + 2 * DAY, 5 * H + 11 * M);
      const at = events(upto, upto + 1, 1).concat(events(upto - 1, upto, 1));
      const after = events(upto + 3 * M, D0 + 2 * DAY + 9 * H, 23 * M);
      await s.insertBatch([...late, ...at, ...after]);
      await expectExact(s, R.from, R.to, 'late and at-watermark events');

      // The clock moves on four days (downtime): folds catch up, new traffic arrives between them.
      clock = D0 + 6 * DAY + 12 * H + 9 * M;
      await s.insertBatch(events(D0 + 2 * DAY + 9 * H, D0 + 6 * DAY + 12 * H, 41 * M));
      await expectExact(s, R.from, R.to, 'after downtime, before the catch-up');
      expect((await s.maintenance.foldRollups()).steps).toBeGreaterThanOrEqual(4);
      await expectExact(s, R.from, R.to, 'after the catch-up');
      // A range ending after the watermark and one starting after it.
      await expectExact(s, D0 + 5 * DAY + 30 * M, clock + H, 'across the watermark');
      await expectExact(s, D0 + 6 * DAY + 11 * H + 30 * M, clock + 2 * H, 'above the watermark');

      // Re-pricing from inside the folded hours on (chunked and by range): the tiers' cost follows.
      await s.prices.set('gpt-5', { input: 2, output: 20, cacheRead: 0.2 });
      const CHANGE = D0 + DAY + 9 * H;
      await s.prices.apply('gpt-5', GPT5_PRICE, { effectiveFrom: CHANGE });
      for (let afterId = 0, done = false; !done;) {
        const r = await s.events.repriceChunk({ models: null, fromMs: CHANGE, afterId, span: 97 });
        afterId = r.lastId;
        done = r.done;
      }
      await expectExact(s, R.from, R.to, 'after chunked re-pricing');
      await s.insertBatch(events(D0 + 6 * DAY + 11 * H, D0 + 6 * DAY + 12 * H, 7 * M));
      await s.prices.set('gpt-5', { input: 3, output: 30, cacheRead: 0.3 });
      await s.events.repriceRange({ from: D0 + 3 * DAY + 5 * H, to: D0 + 7 * DAY });
      await expectExact(s, R.from, R.to, 'after re-pricing a range across the watermark');
      clock += 2 * H;
      await s.maintenance.foldRollups();
      await expectExact(s, R.from, R.to, 'after re-pricing and a fold');
    });

    it('retention never deletes raw events the tiers do not hold yet, and the tiers keep the history', async () => {
      let clock = D0 + 3 * DAY + 30 * M;
      const s = await fresh({ now: () => clock });
      await s.insertBatch(events(D0, D0 + 3 * DAY));
      // Clock skew: events an hour and more ahead of the clock cannot be folded yet.
      const ahead = events(D0 + 3 * DAY + 2 * H, D0 + 3 * DAY + 4 * H, 13 * M);
      await s.insertBatch(ahead);
      const whole = { from: D0, to: D0 + 4 * DAY };
      const before = await expectExact(s, whole.from, whole.to, 'before retention');
      const total = await s.events.count();
      // Retention folds first, then deletes below min(cutoff, watermark): the skewed events stay.
      const r = await s.maintenance.pruneByAge(D0 + 5 * DAY);
      expect(r.deleted).toBe(total - ahead.length);
      expect(await s.events.count()).toBe(ahead.length);
      const hours = whole;
      for (const f of FILTERS)
        expect(same(await s.analytics.heatmap({ ...hours, ...f }, { timeZone: 'Asia/Shanghai' }))).toEqual(
          before[FILTERS.indexOf(f) * 3],
        );
      clock = D0 + 3 * DAY + 6 * H;
      await s.maintenance.foldRollups();
      for (const f of FILTERS)
        expect(same(await s.analytics.heatmap({ ...hours, ...f }, { timeZone: 'Asia/Shanghai' }))).toEqual(
          before[FILTERS.indexOf(f) * 3],
        );
      expect((await s.maintenance.pruneToSize(1)).deleted).toBe(ahead.length);
    });
  });
}
