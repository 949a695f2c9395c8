// Several CPAs into one store (issue #21 item 2): the upstream dimension on both dialects.
import { describe, expect, it } from 'vitest';
import { upstreamDedupKey, type PgStoreRepositories, type UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';

const T = Date.UTC(2026, 0, 5, 10, 0, 0);
const RANGE = { from: T - 86_400_000, to: T + 86_400_000 };

/** The same CPA record as two CPAs report it, each stored under its upstream's dedup key. */
const from = (upstream: string, e: UsageEventInput): UsageEventInput => ({
  ...e,
  upstream,
  dedupKey: upstreamDedupKey(upstream, e.dedupKey),
});

export function defineUpstreamCases(fresh: () => Promise<PgStoreRepositories>): void {
  describe('upstreams', () => {
    it('keeps identical records from two CPAs as two events; old rows and unnamed events are "default"', async () => {
      const s = await fresh();
      const base = makeEvent({ timestampMs: T, model: 'gpt-5', inputTokens: 10, outputTokens: 5 });
      const other = makeEvent({ timestampMs: T + 1000, model: 'claude', inputTokens: 7 });
      expect(await s.insertBatch([base, from('east', base), from('west', base), other])).toEqual({ inserted: 4, duplicates: 0 });
      // A redelivery from one CPA is still a duplicate.
      expect(await s.insertBatch([from('east', base), base])).toEqual({ inserted: 0, duplicates: 2 });
      expect(upstreamDedupKey('default', base.dedupKey)).toBe(base.dedupKey);

      const all = await s.events.list({});
      expect(all.events.map((e) => e.upstream).sort()).toEqual(['default', 'default', 'east', 'west']);
      const east = await s.events.list({ upstream: 'east' });
      expect(east.events.map((e) => [e.upstream, e.model])).toEqual([['east', 'gpt-5']]);
      expect((await s.events.list({ upstream: ['default', 'west'] })).events).toHaveLength(3);
      expect((await s.events.list({ upstream: 'nowhere' })).events).toHaveLength(0);

      const totals = async (upstream?: string | string[]) =>
        (await s.analytics.totals({ ...RANGE, ...(upstream ? { upstream } : {}) })).requests;
      expect(await totals()).toBe(4);
      expect(await totals('default')).toBe(2);
      expect(await totals('east')).toBe(1);
      expect(await totals(['east', 'west'])).toBe(2);
      expect(await totals('nowhere')).toBe(0);
      const byModel = await s.analytics.breakdown({ ...RANGE, upstream: 'west' }, { by: 'model' });
      expect(byModel.rows.map((r) => [r.name, r.requests])).toEqual([['gpt-5', 1]]);

      const options = await s.analytics.filterOptions(RANGE);
      expect(options.upstreams.map((u) => u.name)).toEqual(['default', 'east', 'west']);

      // Plus's /usage snapshot: every CPA without a filter, the named ones with it, none for an unknown name.
      const snapshot = async (upstream?: string[]) => {
        let text = '';
        for await (const c of s.io.usagePayload({ ...RANGE, ...(upstream ? { upstream } : {}) })) text += c;
        return JSON.parse(text) as { total_requests: number; apis: Record<string, unknown> };
      };
      expect((await snapshot()).total_requests).toBe(4);
      expect((await snapshot([])).total_requests).toBe(4);
      expect((await snapshot(['east'])).total_requests).toBe(1);
      expect((await snapshot(['default', 'west'])).total_requests).toBe(3);
      expect(await snapshot(['nowhere'])).toEqual({ total_requests: 0, success_count: 0, failure_count: 0, total_tokens: 0, apis: {} });
    });
  });
}
