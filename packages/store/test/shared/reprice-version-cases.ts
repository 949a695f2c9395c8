// Price versions (an effective-from price change): re-pricing and inserting price each event at the version
// in force at its time, on both dialects. Postgres used to price every event at today's price.
import { describe, expect, it } from 'vitest';
import type { PgStoreRepositories } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { H, T0 } from './dataset';

const MODEL = 'ver-model';
const CHANGE = T0 + 10 * H;
/** 1000 input + 100 output tokens: 2,000 µ$ at v1 (1 / 10 $ per 1M), 4,000 µ$ at v2 (2 / 20). */
const V1 = { input: 1, output: 10 };
const V2 = { input: 2, output: 20 };
const event = (ts: number) =>
  makeEvent({ timestampMs: ts, model: MODEL, alias: MODEL, inputTokens: 1000, outputTokens: 100 });

/** Stored cost of each event of the model, oldest first. */
async function costs(s: PgStoreRepositories): Promise<[number, number | null][]> {
  const { events } = await s.events.list({ model: MODEL });
  return events
    .map((e): [number, number | null] => [e.timestampMs, e.costMicros])
    .sort((a, b) => a[0] - b[0]);
}

export function defineRepriceVersionCases(fresh: () => Promise<PgStoreRepositories>): void {
  describe('price versions: each event at the price in force at its time', () => {
    const times = [T0 + H, T0 + 2 * H, CHANGE + H, CHANGE + 2 * H];
    const want = (ts: number): number => (ts < CHANGE ? 2000 : 4000);

    it('repriceRange and repriceChunk keep the old price before the change and the new one after it', async () => {
      const s = await fresh();
      await s.prices.set(MODEL, V1); // a first price: over all history
      await s.insertBatch(times.map(event));
      expect((await costs(s)).map((c) => c[1])).toEqual([2000, 2000, 2000, 2000]);
      await s.prices.apply(MODEL, V2, { effectiveFrom: CHANGE });

      const r = await s.events.repriceRange({ from: T0, to: T0 + 24 * H });
      expect(r.updated).toBe(4);
      expect(await costs(s)).toEqual(times.map((t) => [t, want(t)]));
      const day = await s.analytics.totals({ from: T0, to: T0 + 24 * H });
      expect(day.costMicros).toBe(12_000);

      for (let afterId = 0, done = false; !done;) {
        const c = await s.events.repriceChunk({ models: null, fromMs: null, afterId, span: 2 });
        afterId = c.lastId;
        done = c.done;
      }
      expect(await costs(s)).toEqual(times.map((t) => [t, want(t)]));
      expect((await s.analytics.totals({ from: T0, to: T0 + 24 * H })).costMicros).toBe(12_000);
    });

    it('re-pricing after retention keeps the history only rollups hold', async () => {
      const s = await fresh();
      const D = 24 * H;
      await s.prices.set(MODEL, V1);
      // Day 0 and the first hour of day 1 are pruned below; day 2 stays whole.
      await s.insertBatch([T0 + H, T0 + 2 * H, T0 + D + H, T0 + D + 3 * H, T0 + 2 * D + H].map(event));
      expect((await s.maintenance.pruneByAge(T0 + D + 2 * H)).deleted).toBe(3);
      const day0 = { from: T0, to: T0 + D };
      expect((await s.analytics.totals(day0)).requests).toBe(2);
      await s.prices.apply(MODEL, V2, { effectiveFrom: T0 });
      for (let afterId = 0, done = false; !done;) {
        const c = await s.events.repriceChunk({ models: null, fromMs: null, afterId, span: 2 });
        afterId = c.lastId;
        done = c.done;
      }
      const after0 = await s.analytics.totals(day0);
      expect(after0.requests).toBe(2);
      expect(after0.costMicros).toBe(4000);
      const day2 = await s.analytics.totals({ from: T0 + 2 * D, to: T0 + 3 * D });
      expect([day2.requests, day2.costMicros]).toEqual([1, 4000]);
    });

    it('an event inserted after the change with an old time (an import) gets the old price', async () => {
      const s = await fresh();
      await s.prices.set(MODEL, V1);
      await s.prices.apply(MODEL, V2, { effectiveFrom: CHANGE });
      await s.insertBatch(times.map(event));
      expect(await costs(s)).toEqual(times.map((t) => [t, want(t)]));
      expect((await s.analytics.totals({ from: T0, to: T0 + 24 * H })).costMicros).toBe(12_000);
    });
  });
}
