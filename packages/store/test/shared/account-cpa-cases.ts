// Several CPAs report the same auth_index for different accounts (CPA hashes the credential's path): the
// account filter names one CPA's account as `<cpa>~<auth_index>`, a bare auth_index still matches it on every
// CPA, and the by-account views keep two CPAs' accounts apart (each row says its CPA). Both dialects; on SQLite
// once from the warm column cache and once from SQL (a cache window that holds none of these events).
import { describe, expect, it } from 'vitest';
import { upstreamDedupKey, type PgStoreRepositories, type UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { H, T0 } from './dataset';
import { warmIfCached } from '../helpers/warm-cache';

const DAY = 24 * H;
const RANGE = { from: T0, to: T0 + 5 * DAY };

/** acc1 on the default CPA (3 events) and on east (5), acc2 on east only (2), spread over four days. */
function traffic(): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  const put = (upstream: string, authIndex: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const e = makeEvent({
        dedupKey: `${upstream}-${authIndex}-${i}`.padEnd(32, '0'),
        requestId: `${upstream}${authIndex}${i}`,
        timestampMs: T0 + out.length * 9 * H + 7 * 60_000,
        authIndex,
        inputTokens: 100 * (i + 1),
        outputTokens: 10,
      });
      out.push(
        upstream === 'default' ? e : { ...e, upstream, dedupKey: upstreamDedupKey(upstream, e.dedupKey) },
      );
    }
  };
  put('default', 'acc1', 3);
  put('east', 'acc1', 5);
  put('east', 'acc2', 2);
  return out;
}


export function defineAccountCpaCases(
  fresh: (opts?: { columnCacheMaxEvents?: number }) => Promise<PgStoreRepositories>,
): void {
  describe('accounts per CPA', () => {
    const check = async (opts: { columnCacheMaxEvents?: number }) => {
      const s = await fresh(opts);
      await s.insertBatch(traffic());
      await warmIfCached(s);
      const requests = async (authIndex: string | string[], upstream?: string) =>
        (await s.analytics.totals({ ...RANGE, authIndex, ...(upstream ? { upstream } : {}) })).requests;
      // A bare auth_index: every CPA's account of that index, as before.
      expect(await requests('acc1')).toBe(8);
      expect(await requests('default~acc1')).toBe(3);
      expect(await requests('east~acc1')).toBe(5);
      expect(await requests(['east~acc1', 'east~acc2'])).toBe(7);
      expect(await requests('east~acc1', 'east')).toBe(5);
      expect(await requests('east~acc1', 'default')).toBe(0);
      expect(await requests('west~acc1')).toBe(0);
      // Accounts of two CPAs in one filter: refused (one CPA per filter).
      await expect(
        Promise.resolve().then(() => s.analytics.totals({ ...RANGE, authIndex: ['east~acc1', 'acc2'] })),
      ).rejects.toMatchObject({ code: 'invalid_query' });

      const rows = (await s.analytics.breakdown(RANGE, { by: 'account', sort: 'requests' })).rows;
      expect(rows.map((r) => [r.name, r.upstream, r.requests, r.tokens.input])).toEqual([
        ['acc1', 'east', 5, 1500],
        ['acc1', 'default', 3, 600],
        ['acc2', 'east', 2, 300],
      ]);
      const one = (await s.analytics.breakdown({ ...RANGE, authIndex: 'east~acc1' }, { by: 'account' })).rows;
      expect(one.map((r) => [r.name, r.upstream, r.requests])).toEqual([['acc1', 'east', 5]]);
      const options = (await s.analytics.filterOptions(RANGE)).accounts;
      expect(options.map((o) => [o.authIndex, o.upstream, o.count])).toEqual([
        ['acc1', 'east', 5],
        ['acc1', 'default', 3],
        ['acc2', 'east', 2],
      ]);
      // The event list and the other views follow the filter.
      const page = await s.events.list({ authIndex: 'east~acc1' }, { limit: 50 });
      expect(page.events.map((e) => [e.upstream, e.authIndex])).toEqual(new Array(5).fill(['east', 'acc1']));
      expect((await s.events.list({ authIndex: 'acc1' }, { limit: 50 })).events).toHaveLength(8);
      const matrix = await s.analytics.matrix(RANGE, { by: 'account', rows: 10, columns: 5 });
      expect(matrix.rows.map((r) => [r.name, r.upstream, r.total.requests])).toEqual([
        ['acc1', 'east', 5],
        ['acc1', 'default', 3],
        ['acc2', 'east', 2],
      ]);
      const byModel = await s.analytics.breakdown({ ...RANGE, authIndex: 'default~acc1' }, { by: 'model' });
      expect(byModel.rows.map((r) => r.requests)).toEqual([3]);
      // acc2 is on east only: its CPA filter adds nothing, so the views are the account filter's, rollups and all
      // (from SQL: not the raw events a CPA filter reads before the CPA tiers are folded).
      const plainAcc2 = await s.analytics.totals({ ...RANGE, authIndex: 'acc2' });
      for (const f of [{ authIndex: 'east~acc2' }, { authIndex: 'acc2', upstream: 'east' }]) {
        const t = await s.analytics.totals({ ...RANGE, ...f });
        expect(t).toEqual(plainAcc2);
        if (t.source !== 'cache') expect(t.source).not.toBe('events');
      }
      expect((await s.analytics.totals({ ...RANGE, authIndex: 'acc2', upstream: 'default' })).requests).toBe(0);
      return s;
    };

    it('filters and by-account views tell two CPAs accounts with one auth_index apart', async () => {
      const s = await check({});
      // One CPA only: rows as before, without a CPA.
      const single = await fresh();
      await single.insertBatch(traffic().filter((e) => !e.upstream));
      const rows = (await single.analytics.breakdown(RANGE, { by: 'account' })).rows;
      expect(rows.map((r) => [r.name, r.upstream, r.requests])).toEqual([['acc1', undefined, 3]]);
      expect(s).toBeDefined();
    });

    it('the same from SQL when the cache window holds none of the range', async () => {
      if (!('warmCache' in (await fresh()))) return;
      await check({ columnCacheMaxEvents: 1 });
    });
  });
}
